// A product's firmware: the versions uploaded and where each is released, upload, release with a
// confirmation that shows the impacted devices, delete while never released, and for one device
// what it is targeted to run and why, with lock, unlock and "flash now".

import { api, CONSOLE_HEADER } from '../lib/api.js';
import { confirmDialog, showModal } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { plural, timeAgo } from '../lib/format.js';
import { plainError } from '../lib/plain-errors.js';

export const RULES = {
  development: 'Development device: never updated automatically',
  locked: 'Locked to this version',
  group: 'Highest version released to its groups',
  product_default: 'The product default release',
  none: 'No release targets it',
};

export function productFirmwarePage(main, { params, query, shell }) {
  const product = params[0];
  shell.setTrail([{ label: 'Products', href: '/products' }, { label: product, href: `/products/${encodeURIComponent(product)}/devices` },
    { label: 'Firmware' }]);
  let alive = true;
  let versions = [];

  const listError = h('div', { class: 'form-error', role: 'alert' });
  const rows = h('tbody', { 'data-role': 'firmware-rows' });
  const empty = h('div', { class: 'card-body', hidden: true, 'data-role': 'firmware-empty' },
    h('p', { class: 'card-empty' }, 'No firmware yet. Upload a binary wrapped with bin/drover-firmware.'));
  const uploadButton = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'upload', 'data-needs': 'manage_firmware', onclick: openUpload },
    icon('plus'), 'Upload');
  // ?device=<id> opens with that device's target shown: a device page can link here for its "why"
  const target = targetCard(product, query?.get('device'));
  const rolloutRows = h('tbody', { 'data-role': 'rollout-rows' });
  const rolloutsCard = h('section', { class: 'card table-card', 'aria-labelledby': 'rollouts-title', hidden: true },
    h('header', { class: 'card-header' },
      h('h2', { id: 'rollouts-title', class: 'card-title' }, 'Staged rollouts'),
      h('p', { class: 'muted card-lead' }, 'Releases admitted in batches; a batch with too many failed updates halts its rollout.')),
    h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Admitted'),
        h('th', { scope: 'col' }, 'Updates'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      rolloutRows)));

  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Firmware'),
        h('p', { class: 'page-subtitle muted' }, `Product ${product}: upload versions, release them to the fleet or to groups.`)),
      h('div', { class: 'page-actions' }, uploadButton)),
    h('div', { class: 'stack' },
      listError,
      h('section', { class: 'card table-card', 'aria-label': 'Firmware versions' },
        h('div', { class: 'table-scroll' },
          h('table', { class: 'table' },
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Title'), h('th', { scope: 'col' }, 'Released to'),
              h('th', { scope: 'col' }, 'Devices running'), h('th', { scope: 'col' }, 'Uploaded'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
            rows)),
        empty),
      rolloutsCard,
      target.el));

  async function load() {
    try {
      versions = await api.firmware(product);
    } catch (failure) {
      if (alive) replace(listError, plainError(failure));
      return;
    }
    if (!alive) return;
    replace(listError);
    empty.hidden = versions.length > 0;
    replace(rows, versions.map(row));
    const rollouts = await api.rollouts(product).catch(() => []);
    if (!alive) return;
    rolloutsCard.hidden = rollouts.length === 0;
    replace(rolloutRows, rollouts.map(rolloutRow));
  }

  function rolloutRow(rollout) {
    const live = !rollout.superseded && !['completed', 'aborted'].includes(rollout.state);
    const action = (name, label) => h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': `rollout-${name}`, 'data-needs': 'manage_firmware',
      onclick: async () => {
        try {
          await api.changeRollout(product, rollout.id, name);
          load();
        } catch (failure) {
          replace(listError, plainError(failure));
        }
      },
    }, label);
    return h('tr', { dataset: { rolloutId: String(rollout.id) } },
      h('td', {}, `v${rollout.version}`),
      h('td', { 'data-role': 'rollout-state' }, rollout.superseded ? 'superseded' : rollout.state),
      h('td', {}, `${rollout.admitted_percent}% (batches of ${rollout.batch_percent}%)`),
      h('td', {}, `${rollout.outcomes.succeeded} done, ${rollout.outcomes.failed} failed`),
      h('td', { class: 'cell-actions' }, live && [
        rollout.admitted_percent < 100 && action('next', 'Next batch'),
        rollout.state === 'running' ? action('pause', 'Pause') : action('resume', 'Resume'),
        action('abort', 'Abort')]));
  }

  function row(firmware) {
    const releasedTo = [firmware.product_default && h('span', { class: 'badge badge-neutral', 'data-role': 'default-badge' }, 'Product default'),
      ...firmware.groups.map((group) => h('span', { class: 'badge badge-neutral' }, group))].filter(Boolean);
    return h('tr', { dataset: { version: String(firmware.version) } },
      h('td', {}, h('strong', {}, `v${firmware.version}`)),
      h('td', {}, firmware.title, firmware.description && h('div', { class: 'muted small' }, firmware.description)),
      h('td', { 'data-role': 'released-to' }, releasedTo.length ? releasedTo : h('span', { class: 'muted' }, 'Not released')),
      h('td', { 'data-role': 'device-count' }, String(firmware.device_count)),
      h('td', {}, timeAgo(firmware.uploaded_on), firmware.uploaded_by && h('div', { class: 'muted small' }, firmware.uploaded_by.username)),
      h('td', { class: 'cell-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'release', 'data-needs': 'manage_firmware', onclick: () => openRelease(firmware) }, 'Release'),
        h('a', { class: 'btn btn-ghost btn-sm', href: `/v1/products/${encodeURIComponent(product)}/firmware/${firmware.version}/binary`,
          'data-action': 'download', onclick: (event) => { event.preventDefault(); download(firmware); } }, 'Download'),
        !firmware.released_at && h('button', {
          type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'delete', 'data-needs': 'manage_firmware', onclick: () => remove(firmware),
        }, 'Delete')));
  }

  async function download(firmware) {
    // fetched here rather than followed as a link, to name the file
    const response = await fetch(`/v1/products/${encodeURIComponent(product)}/firmware/${firmware.version}/binary`, {
      headers: CONSOLE_HEADER,
    });
    if (!response.ok) return;
    const url = URL.createObjectURL(await response.blob());
    h('a', { href: url, download: `${product}-v${firmware.version}.bin` }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async function remove(firmware) {
    if (!await confirmDialog({
      title: `Delete version ${firmware.version}?`, text: 'Only firmware that was never released can be deleted.', confirmLabel: 'Delete version',
    })) return;
    try {
      await api.deleteFirmware(product, firmware.version);
      load();
    } catch (failure) {
      replace(listError, plainError(failure));
    }
  }

  function openUpload() {
    const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'upload-error' });
    const file = h('input', { class: 'input', type: 'file', name: 'binary', required: true, 'data-field': 'binary' });
    const version = h('input', { class: 'input', type: 'number', min: '1', name: 'version', required: true, 'data-field': 'version' });
    const title = h('input', { class: 'input', name: 'title', maxlength: '100', required: true, 'data-field': 'title' });
    const description = h('textarea', { class: 'input textarea', name: 'description', 'data-field': 'description' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'confirm-upload' }, 'Upload');
    const form = h('form', { class: 'dialog-body' },
      h('h2', { class: 'dialog-title', id: 'upload-title' }, 'Upload firmware'),
      h('p', {}, 'The version and product you enter must match the binary\'s header.'),
      field('Binary', file), field('Version', version), field('Title', title), field('Description', description),
      error,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dialog.close() }, 'Cancel'), submit));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'upload-title' }, form);
    dialog.addEventListener('close', () => dialog.remove());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      replace(error);
      try {
        await api.uploadFirmware(product, new FormData(form));
        dialog.close();
        load();
      } catch (failure) {
        replace(error, plainError(failure));
        submit.disabled = false;
      }
    });
    showModal(dialog);
  }

  function openRelease(firmware) {
    const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'release-error' });
    const asDefault = h('input', { type: 'checkbox', 'data-field': 'product-default', checked: firmware.product_default });
    const groupList = h('div', { class: 'release-groups', 'data-role': 'release-groups', role: 'group', 'aria-labelledby': 'release-groups-title' },
      h('p', { class: 'muted' }, 'Loading the groups…'));
    const batch = h('input', { class: 'input', type: 'number', min: '1', max: '100', 'data-field': 'batch-percent', placeholder: 'all at once' });
    const impact = h('div', { 'data-role': 'impact', 'aria-live': 'polite' });
    const preview = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'preview' }, 'Preview impact');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'confirm-release', disabled: true }, 'Release');
    const chosenGroups = () => [...groupList.querySelectorAll('input[type=checkbox]:checked')].map((box) => box.value);
    const form = h('form', { class: 'dialog-body' },
      h('h2', { class: 'dialog-title', id: 'release-title' }, `Release v${firmware.version}`),
      h('label', {}, asDefault, ' Product default: every device not in a group with a release'),
      h('div', { class: 'field' }, h('span', { id: 'release-groups-title', class: 'field-label' }, 'Groups'), groupList),
      field('Staged: batch size in % of these devices (empty: all at once)', batch),
      impact, error,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel', onclick: () => dialog.close() }, 'Cancel'), preview, submit));
    const dialog = h('dialog', { class: 'dialog dialog-release', 'aria-labelledby': 'release-title' }, form);
    const changed = () => { submit.disabled = true; replace(impact); };
    asDefault.addEventListener('change', changed);
    groupList.addEventListener('change', changed);
    showGroups(groupList, firmware.groups);
    preview.addEventListener('click', async () => {
      replace(error);
      try {
        const groups = chosenGroups();
        const answer = await api.releaseImpact(product, firmware.version, asDefault.checked, groups);
        const total = answer.devices.firmware_update.total;
        if (answer.releasable === false) {
          // the API's own rule (a version must run on a device before its release), said before the click
          replace(impact, h('div', { class: 'callout callout-warning', 'data-role': 'release-guard' },
            icon('warning', 'callout-icon'),
            h('div', {}, plainError({ error: answer.refusal.error, message: answer.refusal.error_description }))));
          submit.disabled = true;
          return;
        }
        const where = [asDefault.checked && 'as the product default', groups.length && `to ${groups.join(', ')}`].filter(Boolean);
        replace(impact, h('p', {}, h('strong', { 'data-role': 'impacted-count' }, plural(total, 'device', 'devices')),
          ` will be updated to v${firmware.version}`, where.length ? ` (${where.join(' and ')})` : ' (this removes its releases)', '.'));
        submit.disabled = false;
      } catch (failure) {
        replace(error, plainError(failure));
      }
    });
    dialog.addEventListener('close', () => dialog.remove());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      try {
        if (batch.value) {
          await api.startRollout(product, firmware.version, asDefault.checked, chosenGroups(), Number(batch.value));
        } else {
          await api.releaseFirmware(product, firmware.version, asDefault.checked, chosenGroups());
        }
        dialog.close();
        load();
      } catch (failure) {
        replace(error, plainError(failure));
      }
    });
    showModal(dialog);
  }

  /** The product's groups as checkboxes, those the version is released to ticked. */
  async function showGroups(list, releasedTo) {
    let groups;
    try {
      groups = (await api.productGroups(product)).groups;
    } catch (failure) {
      replace(list, h('p', { class: 'form-error' }, `The groups could not be loaded: ${plainError(failure)}`));
      return;
    }
    if (groups.length === 0) {
      replace(list, h('p', { class: 'muted', 'data-role': 'no-groups' }, 'This product has no groups. ',
        h('a', { href: `/products/${encodeURIComponent(product)}/groups` }, 'Make groups'), ' to release to part of the fleet.'));
      return;
    }
    replace(list, groups.map((group) => {
      const swatch = h('span', { class: 'group-swatch', 'aria-hidden': 'true' });
      swatch.style.setProperty('background', group.color); // the CSSOM: style attributes are refused by the CSP
      return h('label', { class: 'checkbox release-group', dataset: { group: group.name } },
        h('input', { type: 'checkbox', value: group.name, 'data-field': 'group', checked: releasedTo.includes(group.name) }),
        swatch, h('span', {}, group.name), h('span', { class: 'muted small' }, plural(group.device_count, 'device', 'devices')));
    }));
  }

  load();
  return () => { alive = false; };
}

function field(label, input) {
  const id = `fw-${Math.random().toString(36).slice(2, 8)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/** One device: its target, why, its last update state, and lock / unlock / flash now. */
function targetCard(product, initialDevice) {
  const deviceInput = h('input', { class: 'input input-mono', 'data-field': 'device-id', placeholder: '24-digit device ID', 'aria-label': 'Device ID' });
  const result = h('div', { 'data-role': 'target-result' });
  const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'target-error' });
  const lockVersion = h('input', { class: 'input input-sm', type: 'number', min: '1', 'data-field': 'lock-version', 'aria-label': 'Version to lock to' });
  const form = h('form', { class: 'stack-sm' },
    h('div', { class: 'form-footer' }, deviceInput, h('button', { type: 'submit', class: 'btn btn-secondary', 'data-action': 'why' }, 'Show target')));

  async function show() {
    replace(error);
    try {
      const why = await api.firmwareTarget(product, deviceInput.value.trim());
      const state = why.update_state;
      replace(result, h('dl', { class: 'details' },
        h('dt', {}, 'Running'), h('dd', { 'data-role': 'running' }, why.firmware_version ? `v${why.firmware_version}` : 'unknown'),
        h('dt', {}, 'Target'), h('dd', { 'data-role': 'target' }, why.target_version ? `v${why.target_version}` : 'none'),
        h('dt', {}, 'Why'), h('dd', { 'data-role': 'rule', dataset: { rule: why.rule } },
          RULES[why.rule] ?? why.rule, why.group ? `: group ${why.group}` : ''),
        h('dt', {}, 'Update'), h('dd', { 'data-role': 'update-state' },
          state ? `${state.status} ${timeAgo(state.at)}` : (why.update_pending ? 'pending: at its next connection' : 'up to date'))),
      h('div', { class: 'form-footer' }, lockVersion,
        h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'lock', 'data-needs': 'manage_firmware', onclick: () => lock(false) }, 'Lock'),
        h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-action': 'flash-now', 'data-needs': 'manage_firmware', onclick: () => lock(true) }, 'Lock and flash now'),
        why.desired_firmware_version && h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'unlock', 'data-needs': 'manage_firmware', onclick: unlock }, 'Unlock')));
    } catch (failure) {
      replace(result);
      replace(error, plainError(failure));
    }
  }

  async function lock(flash) {
    try {
      await api.lockFirmware(product, deviceInput.value.trim(), Number(lockVersion.value), flash);
      show();
    } catch (failure) {
      replace(error, plainError(failure));
    }
  }

  async function unlock() {
    try {
      await api.lockFirmware(product, deviceInput.value.trim(), null, false);
      show();
    } catch (failure) {
      replace(error, plainError(failure));
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  if (initialDevice) {
    deviceInput.value = initialDevice;
    show();
  }
  return {
    el: h('section', { class: 'card', 'aria-labelledby': 'target-title' },
      h('header', { class: 'card-header' },
        h('h2', { id: 'target-title', class: 'card-title' }, 'Why is a device targeted?'),
        h('p', { class: 'muted card-lead' }, 'The version a device should run, the rule that decided it, and its last update.')),
      h('div', { class: 'card-body stack-sm' }, form, error, result)),
  };
}
