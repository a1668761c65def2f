// Devices: the account's devices with their type, last connection and live online status; rename
// inline, unclaim, and claim a new one by its ID. The list follows the account's stream: online and
// offline, and the cloud's notices of claims, renames and unclaims made elsewhere (the CLI, another
// tab, a device reporting a claim code, the demo fleet).

import { api } from '../lib/api.js';
import { h, icon, replace } from '../lib/dom.js';
import { deviceIdCode, platformName, plural, timeAgo } from '../lib/format.js';
import { followStatus } from '../lib/live.js';
import { pager, rangeText } from '../lib/pager.js';
import { confirmUnclaim, liveIndicator, statusBadge } from '../lib/ui.js';

/** Rows drawn at once: the list arrives whole, the page shows a slice so the DOM stays small. */
const PAGE_SIZE = 50;
const NAME_RULE = 'Use 1 to 63 letters, digits, _ or -.';
/** A burst of claims (the demo fleet's, an import) is one reload of the list. */
const RESYNC_DELAY_MS = 300;

export function devicesPage(main, { shell }) {
  shell.setTrail([{ label: 'Devices' }]);
  let alive = true;
  /** id -> device, as the API last described it and live events updated it */
  const devices = new Map();
  /** id -> {row, badge, nameCell, timeCell}: the rows currently drawn */
  const rows = new Map();
  let loaded = false;
  /** Status events as they came, numbered, so that a list fetched before one cannot undo it. */
  const statusLog = [];
  let statusSeq = 0;
  let syncsIssued = 0;
  let syncShown = 0;
  let filter = '';
  let page = 0;
  let resyncTimer = null;

  const live = liveIndicator();
  const summary = h('p', { class: 'page-subtitle' }, 'Loading your devices…');
  const claimToggle = h('button', {
    type: 'button', class: 'btn btn-primary', 'aria-expanded': 'false', 'aria-controls': 'claim-panel', 'data-action': 'open-claim',
  }, icon('plus'), 'Claim a device');
  const claim = claimPanel(() => sync());
  const search = h('input', {
    type: 'search', class: 'input input-search', placeholder: 'Filter by name or ID', 'aria-label': 'Filter devices by name or ID',
    autocomplete: 'off', spellcheck: 'false',
  });
  const toolbar = h('div', { class: 'toolbar', hidden: true },
    h('div', { class: 'search' }, icon('search', 'search-icon'), search));
  const body = h('div', { class: 'devices-body' }, loadingTable());

  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Devices'),
        summary),
      h('div', { class: 'page-actions' }, live.el, claimToggle)),
    claim.el,
    toolbar,
    body);

  const setClaimOpen = (open) => {
    claim.el.hidden = !open;
    claimToggle.setAttribute('aria-expanded', String(open));
    // the empty state's own button would repeat the open form
    body.querySelector('[data-action=empty-claim]')?.toggleAttribute('hidden', open);
    if (open) claim.focus();
  };
  claimToggle.addEventListener('click', () => setClaimOpen(claim.el.hidden));
  claim.onCancel(() => {
    setClaimOpen(false);
    claimToggle.focus();
  });
  search.addEventListener('input', () => {
    filter = search.value.trim().toLowerCase();
    page = 0;
    render();
  });

  /**
   * Loads the list again and shows it: rows are redrawn only when devices came or went, otherwise
   * updated in place, so a rename in progress survives a resync. Known devices keep their objects
   * (the rows' handlers hold them) and take the fresh fields.
   */
  async function sync() {
    const mine = ++syncsIssued;
    const since = statusSeq;
    const list = await api.devices();
    if (!alive || mine < syncShown) return;
    syncShown = mine;
    const next = new Map();
    for (const device of list) {
      const known = devices.get(device.id);
      next.set(device.id, known ? Object.assign(known, device) : device);
    }
    // The answer may predate events that came in while it travelled: those stay applied.
    for (const event of statusLog) {
      if (event.seq > since && next.has(event.id)) applyStatus(next.get(event.id), event);
    }
    const changed = !loaded || next.size !== devices.size || [...next.keys()].some((id) => !devices.has(id));
    devices.clear();
    for (const [id, device] of next) devices.set(id, device);
    loaded = true;
    if (changed) {
      render();
      return;
    }
    for (const [id, drawn] of rows) {
      const device = devices.get(id);
      drawn.badge.set(device.online);
      replace(drawn.timeCell, timeAgo(device.last_heard));
      if (!drawn.nameCell.querySelector('form')) showName(drawn.nameCell, device);
    }
    updateSummary();
  }

  function render() {
    if (!alive || !loaded) return;
    updateSummary();
    rows.clear();
    toolbar.hidden = devices.size <= 5;
    if (devices.size === 0) {
      replace(body, emptyState(() => setClaimOpen(true)));
      body.querySelector('[data-action=empty-claim]').hidden = !claim.el.hidden;
      return;
    }
    const shown = [...devices.values()].filter((d) => !filter
      || d.id.includes(filter) || (d.name ?? '').toLowerCase().includes(filter));
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const slice = shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    const tbody = h('tbody', {}, slice.map(deviceRow));
    replace(body, h('div', { class: 'card table-card' },
      h('div', { class: 'table-scroll' },
        h('table', { class: 'table', 'aria-label': 'Devices' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Name'),
            h('th', { scope: 'col', class: 'col-id' }, 'Device ID'),
            h('th', { scope: 'col', class: 'col-type' }, 'Type'),
            h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col', class: 'col-time' }, 'Last connected'),
            h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          tbody)),
      slice.length === 0 && h('p', { class: 'table-empty' }, `No device matches “${search.value.trim()}”.`),
      pages > 1 && pager({
        page: page + 1, pages, text: rangeText(page + 1, PAGE_SIZE, shown.length), go: (to) => { page = to - 1; render(); },
      })));
  }

  function updateSummary() {
    const online = [...devices.values()].filter((d) => d.online).length;
    summary.textContent = devices.size === 0
      ? 'No devices claimed yet'
      : `${plural(devices.size, 'device', 'devices')} · ${online.toLocaleString()} online`;
  }

  function deviceRow(device) {
    const badge = statusBadge(device.online);
    const nameCell = h('td', { class: 'cell-name' });
    const timeCell = h('td', { class: 'col-time' }, timeAgo(device.last_heard));
    const renameButton = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'rename', 'aria-label': `Rename ${device.name ?? device.id}`,
    }, 'Rename');
    const unclaimButton = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm btn-ghost-danger', 'data-action': 'unclaim', 'aria-label': `Unclaim ${device.name ?? device.id}`,
    }, 'Unclaim');
    const row = h('tr', { dataset: { deviceId: device.id } },
      nameCell,
      h('td', { class: 'col-id' }, deviceIdCode(device.id)),
      h('td', { class: 'col-type' }, platformName(device.platform_id)),
      h('td', {}, badge.el),
      timeCell,
      h('td', { class: 'cell-actions' }, renameButton, unclaimButton));
    rows.set(device.id, { row, badge, nameCell, timeCell });
    showName(nameCell, device);
    renameButton.addEventListener('click', () => editName(nameCell, device, renameButton));
    unclaimButton.addEventListener('click', () => confirmUnclaim(device, () => {
      devices.delete(device.id);
      render();
      main.querySelector('.page-title').focus();
    }));
    return row;
  }

  function showName(cell, device) {
    replace(cell, h('a', { class: 'device-name', href: `/devices/${encodeURIComponent(device.id)}` },
      device.name ?? h('span', { class: 'muted' }, 'Unnamed device')));
  }

  function editName(cell, device, renameButton) {
    const inputId = `rename-${device.id}`;
    const input = h('input', {
      id: inputId, class: 'input input-sm', value: device.name ?? '', maxlength: '63', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': `${inputId}-error`,
    });
    const error = h('div', { id: `${inputId}-error`, class: 'field-error', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary btn-sm' }, 'Cancel');
    const form = h('form', { class: 'inline-edit', 'data-role': 'rename-form' },
      h('label', { for: inputId, class: 'sr-only' }, `New name for device ${device.id}`),
      h('div', { class: 'inline-edit-row' }, input, save, cancel),
      error);
    const close = () => {
      showName(cell, device);
      renameButton.hidden = false;
      renameButton.focus();
    };
    cancel.addEventListener('click', close);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close();
      }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (name === (device.name ?? '')) {
        close();
        return;
      }
      if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) {
        replace(error, NAME_RULE);
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      save.disabled = true;
      replace(error);
      try {
        const updated = await api.rename(device.id, name);
        device.name = updated.name;
        renameButton.setAttribute('aria-label', `Rename ${device.name}`);
        close();
      } catch (failure) {
        replace(error, failure.message);
        input.setAttribute('aria-invalid', 'true');
        save.disabled = false;
        input.focus();
      }
    });
    renameButton.hidden = true;
    replace(cell, form);
    input.focus();
    input.select();
  }

  function applyStatus(device, event) {
    device.online = event.online;
    device.connected = event.online;
    if (event.online) device.last_heard = event.at;
  }

  function onStatus(id, online, publishedAt) {
    const event = { seq: ++statusSeq, id, online, at: publishedAt ?? new Date().toISOString() };
    statusLog.push(event);
    if (statusLog.length > 500) statusLog.shift();
    const device = devices.get(id);
    if (!device) {
      // the account's stream carries only its own devices: one the list lacks is newly claimed
      resyncSoon();
      return;
    }
    applyStatus(device, event);
    const drawn = rows.get(id);
    if (drawn) {
      drawn.badge.set(online);
      if (online) replace(drawn.timeCell, timeAgo(device.last_heard));
    }
    updateSummary();
  }

  function resyncSoon() {
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(() => sync().catch(() => {}), RESYNC_DELAY_MS);
  }

  /** A claim, rename or unclaim, wherever it was made (docs/api.md, "Device notices"). */
  function onNotice(name, notice) {
    const device = devices.get(notice.device_id);
    if (name === 'drover/device/renamed' && device) {
      device.name = notice.name;
      const drawn = rows.get(device.id);
      // a rename typed in this row wins over one made elsewhere until it is saved or cancelled
      if (drawn && !drawn.nameCell.querySelector('form')) showName(drawn.nameCell, device);
    } else if (name === 'drover/device/unclaimed') {
      if (device) {
        devices.delete(device.id);
        render();
      }
    } else if (name === 'drover/device/claimed' || !device) {
      resyncSoon();
    }
  }

  // The list first, for a quick first paint; every time the stream (re)opens, the list again, since
  // a change may have happened while the stream was not yet, or no longer, open. The indicator says
  // "Live" only once that resync is done.
  sync().catch((failure) => showLoadError(failure));
  const stream = followStatus('/v1/devices/events', {
    onStatus,
    onNotice,
    onState(state) {
      if (state !== 'live') {
        live.set(state);
        return;
      }
      sync().then(() => live.set('live')).catch((failure) => showLoadError(failure));
    },
  });

  function showLoadError(failure) {
    if (!alive || loaded) return;
    replace(body, h('div', { class: 'callout callout-error', role: 'alert' },
      `The devices could not be loaded: ${failure.message}`));
  }

  return () => {
    alive = false;
    clearTimeout(resyncTimer);
    stream.close();
  };
}

function claimPanel(onClaimed) {
  const input = h('input', {
    id: 'claim-id', class: 'input input-mono', name: 'id', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none',
    placeholder: 'e.g. 0123456789abcdef01234567', 'aria-describedby': 'claim-hint claim-error', maxlength: '40',
  });
  const error = h('div', { id: 'claim-error', class: 'field-error', role: 'alert' });
  const success = h('div', { class: 'field-success', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Claim device');
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
  const form = h('form', { class: 'claim-form', 'data-role': 'claim-form' },
    h('div', { class: 'field' },
      h('label', { for: 'claim-id' }, 'Device ID'),
      h('div', { class: 'claim-row' }, input, submit, cancel),
      h('p', { id: 'claim-hint', class: 'hint' },
        'The 24-character ID printed on the device or its box, or shown by ', h('code', {}, 'particle identify'), '.'),
      error,
      success));
  // A device proves it is in your hands by reporting a claim code of yours (it publishes
  // spark/device/claim/code): that claims it. Claiming by ID then works for a device that reported one.
  const code = h('code', { class: 'claim-code', 'data-role': 'claim-code' });
  const codeNote = h('p', { class: 'hint', 'data-role': 'claim-code-note', hidden: true },
    'Give this code to the device during its set-up. When it connects and reports the code, the device is yours. '
    + 'The code works once, for 24 hours.');
  const makeCode = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'make-claim-code' }, 'Get a claim code');
  makeCode.addEventListener('click', async () => {
    replace(error);
    makeCode.disabled = true;
    try {
      const made = await api.claimCode();
      replace(code, made.claim_code);
      codeNote.hidden = false;
    } catch (failure) {
      replace(error, failure.message);
    } finally {
      makeCode.disabled = false;
    }
  });
  const el = h('section', { id: 'claim-panel', class: 'card claim-card', hidden: true, 'aria-labelledby': 'claim-title' },
    h('h2', { id: 'claim-title', class: 'card-title' }, 'Claim a device'),
    h('p', { class: 'muted card-lead' }, 'A device registered with this node becomes yours once it is online and has reported a claim code '
      + 'of yours. Claiming by its ID works after that (node administrators claim by ID alone).'),
    h('div', { class: 'claim-code-row' }, makeCode, code),
    codeNote,
    form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const id = input.value.trim().toLowerCase();
    replace(error);
    replace(success);
    input.removeAttribute('aria-invalid');
    if (!/^[0-9a-f]{24}$/.test(id)) {
      replace(error, 'A device ID is 24 hexadecimal characters (0–9, a–f).');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Claiming…';
    try {
      await api.claim(id);
      input.value = '';
      replace(success, `Device ${id} is now yours.`);
      await onClaimed();
    } catch (failure) {
      replace(error, failure.message);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Claim device';
    }
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') cancel.click();
  });

  return {
    el,
    focus: () => input.focus(),
    onCancel: (handler) => cancel.addEventListener('click', () => {
      replace(error);
      replace(success);
      handler();
    }),
  };
}

function emptyState(openClaim) {
  return h('div', { class: 'card empty-state', 'data-role': 'empty-devices' },
    h('div', { class: 'empty-icon', 'aria-hidden': 'true' }, icon('chip')),
    h('h2', { class: 'empty-title' }, 'No devices yet'),
    h('p', { class: 'muted empty-text' },
      'Claim a device to see it here: its status, when it last connected, and its functions and variables.'),
    h('button', { type: 'button', class: 'btn btn-primary', onclick: openClaim, 'data-action': 'empty-claim' }, icon('plus'), 'Claim a device'));
}

function loadingTable() {
  return h('div', { class: 'card table-card', 'aria-busy': 'true' },
    h('div', { class: 'skeleton-rows' },
      [0, 1, 2].map(() => h('div', { class: 'skeleton-row' },
        h('span', { class: 'skeleton w-30' }), h('span', { class: 'skeleton w-40' }), h('span', { class: 'skeleton w-15' })))));
}
