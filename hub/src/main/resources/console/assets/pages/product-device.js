// One device of a product (/products/:id/devices/:deviceId): its details, firmware running, targeted
// and locked (and why), and the actions: rename, lock / unlock / flash now to a version of the product's
// firmware list, its groups from the product's groups, the development flag, removal from the product.
// Its functions (for the roles that operate devices) and variables (for every role), called through
// the product's routes, and its live events from the product's stream narrowed to it.
// Controls carry data-needs: the shell hides those the caller's role may not use.

import { api } from '../lib/api.js';
import { functionList, variableList } from '../lib/device-calls.js';
import { confirmDialog } from '../lib/dialog.js';
import { h, replace } from '../lib/dom.js';
import { exactTime, platformName, timeAgo } from '../lib/format.js';
import { statusBadge } from '../lib/ui.js';
import { eventLogs } from './event-logs.js';
import { RULES } from './product-firmware.js';

export function productDevicePage(main, { params, shell, navigate }) {
  const [product, deviceId] = params;
  const base = `/products/${encodeURIComponent(product)}`;
  shell.setTrail([{ label: 'Products', href: '/products' }, { label: product, href: `${base}/devices` }, { label: deviceId }]);
  let alive = true;
  let events = null;
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading the device…'));
  const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'device-error' });
  main.append(h('div', { class: 'page-header' },
    h('div', {}, h('h1', { class: 'page-title', tabindex: '-1', 'data-role': 'device-title' }, deviceId))), error, body);

  async function load() {
    try {
      const [device, target, firmware, groups] = await Promise.all([
        // the target may not be known yet (a device imported a moment ago): the rest of the page still shows
        api.productDevice(product, deviceId), api.firmwareTarget(product, deviceId).catch(() => ({})),
        api.firmware(product), api.productGroups(product)]);
      if (!alive) return;
      draw(device, target, firmware, groups.groups ?? groups);
      if (!events) openEvents(device);
    } catch (failure) {
      if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
    }
  }

  const act = (run) => async () => {
    replace(error);
    try {
      await run();
      await load();
    } catch (failure) {
      replace(error, failure.message);
    }
  };

  function draw(device, target, firmware, groups) {
    replace(main.querySelector('[data-role=device-title]'), device.name ?? 'Unnamed device');
    const online = statusBadge(device.online);
    const version = (v) => (v ? `v${v}` : '—');
    const details = h('section', { class: 'card settings-card', 'aria-labelledby': 'details-title' },
      h('h2', { id: 'details-title', class: 'card-title' }, 'Details'),
      h('dl', { class: 'details details-left', 'data-role': 'device-details' },
        h('dt', {}, 'Device ID'), h('dd', { class: 'mono' },
          h('code', { class: 'device-id device-id-whole', title: device.id, 'data-role': 'device-id' }, device.id)),
        h('dt', {}, 'Status'), h('dd', {}, online.el),
        h('dt', {}, 'Serial number'), h('dd', {}, device.serial_number ?? '—'),
        h('dt', {}, 'Platform'), h('dd', {}, platformName(device.platform_id)),
        h('dt', {}, 'Device OS'), h('dd', {}, device.system_firmware_version ?? '—'),
        h('dt', {}, 'Firmware running'), h('dd', { 'data-role': 'running' }, version(device.firmware_version)),
        h('dt', {}, 'Firmware targeted'), h('dd', { 'data-role': 'target' }, version(target.target_version),
          target.rule ? ` · ${RULES[target.rule] ?? target.rule}` : '', target.group ? `: group ${target.group}` : ''),
        h('dt', {}, 'Locked to'), h('dd', { 'data-role': 'locked' }, target.desired_firmware_version ? version(target.desired_firmware_version) : 'not locked'),
        h('dt', {}, 'Groups'), h('dd', { 'data-role': 'groups' }, device.groups?.length ? device.groups.join(', ') : '—'),
        h('dt', {}, 'Development'), h('dd', {}, device.development ? 'yes: never updated automatically' : 'no'),
        h('dt', {}, 'Notes'), h('dd', {}, device.notes || '—'),
        h('dt', {}, 'Last heard'), h('dd', { title: device.last_heard ? exactTime(device.last_heard) : '' },
          device.last_heard ? timeAgo(device.last_heard) : 'never')));

    const name = h('input', { class: 'input input-sm', 'data-field': 'name', value: device.name ?? '', 'aria-label': 'Name', maxlength: 63 });
    const rename = h('form', { class: 'form-footer', 'data-needs': 'operate_devices' }, name,
      h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', 'data-action': 'rename' }, 'Rename'));
    rename.addEventListener('submit', (event) => {
      event.preventDefault();
      act(() => api.updateProductDevice(product, device.id, { name: name.value.trim() }))();
    });

    const versions = firmware.map ? firmware : firmware.firmware ?? [];
    const pick = h('select', { class: 'input input-sm', 'data-field': 'lock-version', 'aria-label': 'Firmware version' },
      versions.map((f) => h('option', { value: String(f.version) }, `v${f.version}${f.title ? ` · ${f.title}` : ''}`)));
    const lock = (flash) => act(() => api.lockFirmware(product, device.id, Number(pick.value), flash));
    const firmwareActions = h('div', { class: 'form-footer', 'data-needs': 'manage_firmware' },
      versions.length === 0 ? h('span', { class: 'muted' }, 'Upload firmware on the Firmware page to lock to it.') : pick,
      versions.length > 0 && h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'lock', onclick: lock(false) }, 'Lock'),
      versions.length > 0 && h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-action': 'flash-now', onclick: lock(true) }, 'Lock and flash now'),
      target.desired_firmware_version && h('button', {
        type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'unlock',
        onclick: act(() => api.lockFirmware(product, device.id, null, false)),
      }, 'Unlock'));

    const chosen = new Set(device.groups ?? []);
    const groupBoxes = h('fieldset', { class: 'stack-sm', 'data-needs': 'manage_devices', 'data-role': 'device-groups' },
      h('legend', {}, 'Groups'),
      groups.length === 0 ? h('p', { class: 'muted' }, 'The product has no groups yet.') : groups.map((group) => {
        const box = h('input', { type: 'checkbox', class: 'checkbox', checked: chosen.has(group.name), value: group.name, id: `group-${group.name}` });
        box.addEventListener('change', act(() => {
          if (box.checked) chosen.add(group.name); else chosen.delete(group.name);
          return api.updateProductDevice(product, device.id, { groups: [...chosen] });
        }));
        return h('label', { for: `group-${group.name}`, class: 'check' }, box, ' ', group.name);
      }));

    const development = h('input', { type: 'checkbox', class: 'checkbox', id: 'development', checked: device.development, 'data-role': 'development' });
    development.addEventListener('change', act(() => api.updateProductDevice(product, device.id, { development: development.checked })));
    const remove = h('button', { type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'remove' }, 'Remove from product');
    remove.addEventListener('click', async () => {
      if (!await confirmDialog({
        title: `Remove ${device.name ?? device.id} from the product?`, text: 'It is denied until imported again.', confirmLabel: 'Remove device',
      })) return;
      try {
        await api.removeProductDevice(product, device.id);
        navigate(`${base}/devices`);
      } catch (failure) {
        replace(error, failure.message);
      }
    });

    const calls = [
      h('section', { class: 'card', 'aria-labelledby': 'functions-title', 'data-needs': 'operate_devices', 'data-role': 'functions' },
        h('header', { class: 'card-header' },
          h('h2', { id: 'functions-title', class: 'card-title' }, 'Functions'),
          h('p', { class: 'muted card-lead' }, 'Call a function the firmware registered, with an optional argument.')),
        h('div', { class: 'card-body' },
          functionList(device.functions ?? [], (fn, argument) => api.productCall(product, device.id, fn, argument)))),
      h('section', { class: 'card', 'aria-labelledby': 'variables-title', 'data-role': 'variables' },
        h('header', { class: 'card-header' },
          h('h2', { id: 'variables-title', class: 'card-title' }, 'Variables'),
          h('p', { class: 'muted card-lead' }, 'Read the current value of a variable the firmware exposes.')),
        h('div', { class: 'card-body' },
          variableList(device.variables ?? {}, (variable) => api.productRead(product, device.id, variable))))];

    replace(body, details, ...calls,
      h('section', { class: 'card settings-card', 'aria-labelledby': 'actions-title' },
        h('h2', { id: 'actions-title', class: 'card-title' }, 'Actions'),
        rename, firmwareActions, groupBoxes,
        h('div', { class: 'form-footer', 'data-needs': 'manage_devices' },
          h('label', { for: 'development', class: 'check' }, development, ' Development device'), remove)));
  }

  /** The device's events, once: the actions redraw the rest of the page, never the stream. */
  function openEvents(device) {
    events = eventLogs({
      device, product, streamPath: `/v1/products/${encodeURIComponent(product)}/devices/${encodeURIComponent(device.id)}/events`,
    });
    main.append(h('section', { class: 'card', 'aria-labelledby': 'device-events-title', 'data-role': 'device-events' },
      h('header', { class: 'card-header card-header-row' },
        h('div', {},
          h('h2', { id: 'device-events-title', class: 'card-title' }, 'Events'),
          h('p', { class: 'muted card-lead' }, 'Events this device publishes in the product, as they arrive.')),
        events.live),
      h('div', { class: 'card-body' }, events.el)));
  }

  load();
  return () => {
    alive = false;
    events?.close();
  };
}
