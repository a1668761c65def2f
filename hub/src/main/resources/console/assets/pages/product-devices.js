// A product's devices: the server searches, sorts and pages (a product may hold a million devices, so
// the page never holds more than one page of them); import a .txt file of IDs and see the four
// outcomes; select devices to add them to a group or take them out of one; the development flag;
// remove a device from the product. The page shown stays current from the product's stream: online
// and offline in place, renames in place, and the page again when devices join or leave the product.

import { api } from '../lib/api.js';
import { confirmDialog, showModal } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { deviceIdCode, plural, timeAgo } from '../lib/format.js';
import { followStatus } from '../lib/live.js';
import { pager } from '../lib/pager.js';
import { liveIndicator, statusBadge } from '../lib/ui.js';

const PER_PAGE = 25;
/** Devices joining or leaving in a burst (an import) reload the page once. */
const RELOAD_DELAY_MS = 300;
const SEARCH_FIELDS = [
  ['deviceName', 'Name'],
  ['deviceId', 'Device ID'],
  ['serialNumber', 'Serial number'],
];
const OUTCOMES = [
  ['updatedDeviceIds', 'updated', 'Added to the product'],
  ['existingDeviceIds', 'existing', 'Already in this product'],
  ['nonmemberDeviceIds', 'nonmember', 'Not claimable: owned outside your team, or in another product'],
  ['invalidDeviceIds', 'invalid', 'Invalid: not a device ID, or no such device'],
];

export function productDevicesPage(main, { params, shell }) {
  const product = params[0];
  shell.setTrail?.([{ label: 'Products', href: '/products' }, { label: product }, { label: 'Devices' }]);
  let alive = true;
  const state = { page: 1, sortAttr: 'id', sortDir: 'asc', field: 'deviceName', text: '', group: '' };
  /** The IDs ticked on the current page; a new page, search or sort clears them. */
  const selected = new Set();
  let groups = [];
  /** id -> {device, badge, nameLink, timeCell}: the rows of the page shown, for the stream's updates */
  const shown = new Map();
  let reloadTimer = null;
  const live = liveIndicator();
  let requests = 0;

  const summary = h('p', { class: 'page-subtitle', 'data-role': 'device-total' }, 'Loading…');
  const importButton = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'open-import', 'data-needs': 'manage_devices' }, icon('plus'), 'Import devices');
  const fieldSelect = h('select', { class: 'input', 'aria-label': 'Search by', 'data-role': 'search-field' },
    SEARCH_FIELDS.map(([value, label]) => h('option', { value }, label)));
  const search = h('input', {
    type: 'search', class: 'input input-search', placeholder: 'Starts with…', 'aria-label': 'Search devices',
    autocomplete: 'off', spellcheck: 'false', 'data-role': 'device-search',
  });
  const groupFilter = h('select', { class: 'input', 'aria-label': 'Filter by group', 'data-role': 'group-filter' });
  const selection = h('div', { class: 'toolbar-selection', hidden: true, 'data-role': 'selection-actions' });
  const error = h('div', { class: 'form-error', role: 'alert' });
  const body = h('div', { class: 'devices-body' }, h('p', { class: 'muted' }, 'Loading…'));

  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Devices'),
        summary),
      h('div', { class: 'page-actions' }, live.el, importButton)),
    h('div', { class: 'toolbar fleet-toolbar' },
      fieldSelect,
      h('div', { class: 'search' }, icon('search', 'search-icon'), search),
      groupFilter),
    selection,
    error,
    body);

  let typing = null;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.text = search.value.trim();
      state.page = 1;
      load();
    }, 250);
  });
  fieldSelect.addEventListener('change', () => {
    state.field = fieldSelect.value;
    state.page = 1;
    if (state.text) load();
  });
  groupFilter.addEventListener('change', () => {
    state.group = groupFilter.value;
    state.page = 1;
    load();
  });
  importButton.addEventListener('click', () => openImport(product, () => load()));

  async function loadGroups() {
    try {
      groups = (await api.productGroups(product)).groups;
    } catch {
      groups = [];
    }
    if (!alive) return;
    replace(groupFilter, h('option', { value: '' }, 'All groups'),
      groups.map((g) => h('option', { value: g.name, selected: g.name === state.group }, g.name)));
    drawSelection();
  }

  async function load() {
    const mine = ++requests;
    const query = { page: state.page, per_page: PER_PAGE, sortAttr: state.sortAttr, sortDir: state.sortDir };
    if (state.text) query[state.field] = state.text;
    if (state.group) query.groups = state.group;
    replace(error);
    let answer;
    let tracker;
    try {
      [answer, tracker] = await Promise.all([api.productDevices(product, query),
        (shell.product?.() ?? Promise.resolve(null)).then((p) => p?.type === 'tracker', () => false)]);
    } catch (failure) {
      if (alive && mine === requests) replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, `The devices could not be loaded: ${failure.message}`));
      return;
    }
    if (!alive || mine !== requests) return;
    selected.clear();
    drawSelection();
    const { total, total_pages: pages, total_is_lower_bound: atLeast } = answer.meta;
    summary.textContent = `${atLeast ? 'More than ' : ''}${plural(total, 'device', 'devices')}`;
    summary.dataset.total = String(total);
    draw(answer.devices, pages, tracker);
  }

  function draw(devices, pages, tracker) {
    const header = (attr, label) => {
      const active = state.sortAttr === attr;
      const button = h('button', {
        type: 'button', class: 'sort-button', 'data-sort': attr, 'data-active': active,
        'aria-label': `Sort by ${label}${active && state.sortDir === 'asc' ? ', descending' : ''}`,
      }, label, active ? (state.sortDir === 'asc' ? ' ▲' : ' ▼') : '');
      button.addEventListener('click', () => {
        state.sortDir = active && state.sortDir === 'asc' ? 'desc' : 'asc';
        state.sortAttr = attr;
        state.page = 1;
        load();
      });
      return h('th', { scope: 'col', 'aria-sort': active ? (state.sortDir === 'asc' ? 'ascending' : 'descending') : null }, button);
    };
    const all = h('input', { type: 'checkbox', class: 'checkbox', 'aria-label': 'Select every device on this page', 'data-role': 'select-all' });
    const boxes = [];
    all.addEventListener('change', () => {
      for (const box of boxes) {
        box.checked = all.checked;
        box.dispatchEvent(new Event('change'));
      }
    });
    shown.clear();
    const rows = devices.map((device) => {
      const box = h('input', { type: 'checkbox', class: 'checkbox', 'aria-label': `Select ${device.name ?? device.id}` });
      boxes.push(box);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(device.id);
        else selected.delete(device.id);
        drawSelection();
      });
      const development = h('input', {
        type: 'checkbox', class: 'checkbox', checked: device.development, 'data-role': 'development', 'data-needs': 'manage_devices',
        'aria-label': `Development device: ${device.name ?? device.id}`,
        title: 'A development device is never updated automatically',
      });
      // a tracker's development device may have settings of its own (product-tracker-settings.js)
      const settings = tracker && h('a', {
        class: 'btn btn-ghost btn-sm', 'data-action': 'device-settings', hidden: !device.development,
        href: `/products/${encodeURIComponent(product)}/tracker-settings?device=${encodeURIComponent(device.id)}`,
        'aria-label': `Tracker settings of ${device.name ?? device.id}`,
      }, 'Settings');
      development.addEventListener('change', async () => {
        development.disabled = true;
        try {
          const updated = await api.updateProductDevice(product, device.id, { development: development.checked });
          device.development = updated.development;
          if (settings) settings.hidden = !device.development;
        } catch (failure) {
          development.checked = !development.checked;
          replace(error, failure.message);
        } finally {
          development.disabled = false;
        }
      });
      const remove = h('button', {
        type: 'button', class: 'btn btn-ghost btn-sm btn-ghost-danger', 'data-action': 'remove', 'data-needs': 'manage_devices',
        'aria-label': `Remove ${device.name ?? device.id} from the product`,
      }, 'Remove');
      remove.addEventListener('click', () => confirmRemove(product, device, () => load()));
      const badge = statusBadge(device.online);
      const nameLink = h('a', { class: 'device-name', href: `/products/${encodeURIComponent(product)}/devices/${encodeURIComponent(device.id)}` },
        device.name ?? 'Unnamed');
      const timeCell = h('td', { class: 'col-time' }, timeAgo(device.last_heard));
      shown.set(device.id, { device, badge, nameLink, timeCell });
      return h('tr', { dataset: { deviceId: device.id } },
        h('td', {}, box),
        h('td', { class: 'cell-name' }, nameLink),
        h('td', { class: 'col-id' }, deviceIdCode(device.id)),
        h('td', {}, device.serial_number ?? ''),
        h('td', { 'data-role': 'groups' }, device.groups.map((name) => groupChip(name, groups))),
        // the version it runs links to why it is targeted to what it should run (the firmware page's card)
        h('td', {}, h('a', {
          href: `/products/${encodeURIComponent(product)}/firmware?device=${encodeURIComponent(device.id)}`,
          'data-action': 'firmware-why', title: 'Firmware target and why',
        }, device.firmware_version == null ? 'none' : `v${device.firmware_version}`)),
        h('td', {}, badge.el),
        timeCell,
        h('td', {}, development),
        h('td', { class: 'cell-actions' }, settings, remove));
    });
    const table = h('table', { class: 'table', 'aria-label': 'Product devices' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, all),
        header('name', 'Name'),
        header('id', 'Device ID'),
        h('th', { scope: 'col' }, 'Serial'),
        h('th', { scope: 'col' }, 'Groups'),
        header('firmware_version', 'Firmware'),
        h('th', { scope: 'col' }, 'Status'),
        header('last_heard', 'Last heard'),
        h('th', { scope: 'col' }, 'Development'),
        h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', {}, rows));
    const go = (to) => {
      state.page = to;
      load();
    };
    replace(body, h('div', { class: 'card table-card' },
      h('div', { class: 'table-scroll' }, table),
      devices.length === 0 && h('p', { class: 'table-empty', 'data-role': 'no-devices' },
        state.text || state.group ? 'No device matches.' : 'No devices in this product yet: import some.'),
      pages > 1 && pager({ page: state.page, pages, go })));
  }

  /** The batch actions for the ticked devices: add to or remove from a group. */
  function drawSelection() {
    selection.hidden = selected.size === 0;
    if (selected.size === 0) return;
    const choose = h('select', { class: 'input input-sm', 'aria-label': 'Group', 'data-role': 'batch-group', 'data-needs': 'manage_devices' },
      groups.map((g) => h('option', { value: g.name }, g.name)));
    const act = async (add) => {
      if (!choose.value) return;
      replace(error);
      try {
        await api.groupProductDevices(product, [...selected], add ? [choose.value] : [], add ? [] : [choose.value]);
        await load();
      } catch (failure) {
        replace(error, failure.message);
      }
    };
    replace(selection,
      h('span', { 'data-role': 'selected-count' }, `${plural(selected.size, 'device', 'devices')} selected`),
      groups.length === 0
        ? h('span', { class: 'muted' }, ' · create a group on the Groups page first')
        : [choose,
          h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-needs': 'manage_devices', 'data-action': 'add-to-group', onclick: () => act(true) }, 'Add to group'),
          h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-needs': 'manage_devices', 'data-action': 'remove-from-group', onclick: () => act(false) }, 'Remove from group')]);
  }

  function onStatus(id, online, publishedAt) {
    const row = shown.get(id);
    if (!row) return;
    row.device.online = online;
    row.badge.set(online);
    if (online) {
      row.device.last_heard = publishedAt ?? new Date().toISOString();
      replace(row.timeCell, timeAgo(row.device.last_heard));
    }
  }

  /** Devices added, removed or renamed by anyone (docs/api.md, "Device notices"). */
  function onNotice(name, notice) {
    const row = shown.get(notice.device_id);
    if (name === 'drover/device/renamed') {
      if (row) {
        row.device.name = notice.name;
        replace(row.nameLink, notice.name ?? 'Unnamed');
      }
    } else if (name === 'drover/device/added' || (name === 'drover/device/removed' && row)) {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(load, RELOAD_DELAY_MS);
    }
  }

  loadGroups().then(load);
  // the page again on every (re)open: what changed while the stream was closed shows
  let opened = false;
  const stream = followStatus(`/v1/products/${encodeURIComponent(product)}/events`, {
    onStatus,
    onNotice,
    onState(streamState) {
      if (streamState !== 'live') {
        live.set(streamState);
        return;
      }
      if (opened) load();
      opened = true;
      live.set('live');
    },
  });
  return () => {
    alive = false;
    clearTimeout(typing);
    clearTimeout(reloadTimer);
    stream.close();
  };
}

function groupChip(name, groups) {
  const color = groups.find((g) => g.name === name)?.color;
  const dot = color && h('span', { class: 'group-swatch', 'aria-hidden': 'true' });
  // through the CSSOM: the Console's Content-Security-Policy refuses style attributes
  if (dot) dot.style.setProperty('background', color);
  return h('span', { class: 'badge badge-neutral group-chip', dataset: { group: name } }, dot, name);
}

/** The import dialog: a .txt file of device IDs in, the four outcomes with their IDs out. */
function openImport(product, onImported) {
  const file = h('input', { type: 'file', id: 'import-file', accept: '.txt,text/plain', 'data-role': 'import-file' });
  const error = h('div', { class: 'form-error', role: 'alert' });
  const results = h('div', { 'data-role': 'import-results', role: 'status' });
  const close = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'close-import' }, 'Close');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'upload' }, 'Import');
  const form = h('form', { class: 'dialog-body' },
    h('h2', { id: 'import-title', class: 'dialog-title' }, 'Import devices'),
    h('p', { id: 'import-text' },
      'Choose a .txt file with one device ID per line (at most 10,000). Devices that nobody owns, or that someone on your team owns, join the product.'),
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, 'File of device IDs'), file),
    error,
    results,
    h('div', { class: 'dialog-actions' }, close, submit));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'import-title', 'aria-describedby': 'import-text' }, form);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    if (!file.files.length) {
      replace(error, 'Choose a file first.');
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Importing…';
    try {
      const outcome = await api.importProductDevices(product, file.files[0]);
      replace(results, OUTCOMES.map(([key, role, label]) => h('section', { class: 'import-outcome', dataset: { outcome: role } },
        h('h3', { class: 'small' }, `${label}: `, h('span', { 'data-role': 'count' }, String(outcome[key].length))),
        outcome[key].length > 0 && h('ul', { class: 'import-ids' }, outcome[key].map((id) => h('li', {}, h('code', {}, id)))))));
      onImported();
    } catch (failure) {
      replace(error, failure.message);
    } finally {
      submit.disabled = false;
      submit.textContent = 'Import';
    }
  });
  showModal(dialog, file);
}

async function confirmRemove(product, device, onRemoved) {
  const removed = await confirmDialog({
    title: `Remove ${device.name ?? device.id} from the product?`,
    text: 'The device leaves the product and its groups; it stays registered, with its owner. It will not rejoin by itself '
      + 'when it reports this product at its next handshake: import it again to take it back.',
    confirmLabel: 'Remove and deny',
    confirmAction: 'confirm-remove',
    action: () => api.removeProductDevice(product, device.id),
  });
  if (removed) onRemoved();
}
