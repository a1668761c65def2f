// One device: its details (Device OS, firmware, platform) and notes, a form per function it declared,
// a Get per variable, its live events, and its online status kept live. Actions: ping, signal (the
// rainbow LED, on and off), rename in place, copy the ID, and unclaim for the device's owner.

import { api } from '../lib/api.js';
import { copyText } from '../lib/clipboard.js';
import { functionList, variableList } from '../lib/device-calls.js';
import { h, icon, replace } from '../lib/dom.js';
import { platformName, timeAgo } from '../lib/format.js';
import { session } from '../lib/session.js';
import { confirmUnclaim, liveIndicator, statusBadge } from '../lib/ui.js';
import { eventLogs } from './event-logs.js';
import { cmdCard } from './tracker-cmd.js';

/** After a device comes online it declares its functions and variables; look again this much later. */
const DESCRIBE_DELAY_MS = 1500;
const MAX_NOTES = 2000;
const NAME_RULE = /^[A-Za-z0-9_-]{1,63}$/;

export function devicePage(main, { params, shell, navigate }) {
  const requested = params[0];
  shell.setTrail([{ label: 'Devices', href: '/devices' }, { label: requested }]);
  let alive = true;
  let device = null;
  let statusSeq = 0;
  let describeTimer = null;
  let drawnDeclarations = null;

  let signaling = false;
  const live = liveIndicator();
  const badge = statusBadge(false);
  const title = h('h1', { class: 'page-title', tabindex: '-1' }, requested);
  const renameButton = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'rename', hidden: true }, 'Rename');
  const titleRow = h('div', { class: 'title-row' }, title, badge.el, renameButton);
  const subtitle = h('p', { class: 'page-subtitle device-subtitle' });
  const actionStatus = h('span', { class: 'save-status', role: 'status', 'data-role': 'action-status' });
  const pingButton = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'ping', hidden: true }, 'Ping');
  const signalButton = h('button', {
    type: 'button', class: 'btn btn-secondary', 'data-action': 'signal', 'aria-pressed': 'false', hidden: true,
    title: 'Makes the device\'s status LED shine in rainbow colours, to find it among others',
  }, 'Signal');
  const details = h('dl', { class: 'details' });
  const functionsBody = h('div', { class: 'card-body' });
  const cmdSlot = h('div', { 'data-role': 'cmd-slot', hidden: true });
  const variablesBody = h('div', { class: 'card-body' });
  const notes = notesCard();
  const eventsCard = deviceEventsCard();
  const ownership = h('section', { class: 'card', 'aria-labelledby': 'unclaim-section-title', 'data-role': 'ownership', hidden: true },
    h('header', { class: 'card-header' }, h('h2', { id: 'unclaim-section-title', class: 'card-title' }, 'Ownership')),
    h('div', { class: 'card-body' },
      h('p', { class: 'muted small' }, 'Unclaiming removes this device from your account.'),
      h('button', {
        type: 'button', class: 'btn btn-secondary btn-danger-outline', 'data-action': 'unclaim',
        onclick: () => confirmUnclaim(device, () => navigate('/devices')),
      }, 'Unclaim device')));
  const content = h('div', { class: 'device-layout', hidden: true },
    h('div', { class: 'device-main' },
      cmdSlot,
      h('section', { class: 'card', 'aria-labelledby': 'functions-title' },
        h('header', { class: 'card-header' },
          h('h2', { id: 'functions-title', class: 'card-title' }, 'Functions'),
          h('p', { class: 'muted card-lead' }, 'Call a function the firmware registered, with an optional argument.')),
        functionsBody),
      h('section', { class: 'card', 'aria-labelledby': 'variables-title' },
        h('header', { class: 'card-header' },
          h('h2', { id: 'variables-title', class: 'card-title' }, 'Variables'),
          h('p', { class: 'muted card-lead' }, 'Read the current value of a variable the firmware exposes.')),
        variablesBody),
      eventsCard.el),
    h('aside', { class: 'device-side' },
      h('section', { class: 'card', 'aria-labelledby': 'details-title' },
        h('header', { class: 'card-header' }, h('h2', { id: 'details-title', class: 'card-title' }, 'Details')),
        h('div', { class: 'card-body' }, details)),
      notes.el,
      ownership));
  const placeholder = h('div', { class: 'card', 'aria-busy': 'true' },
    h('div', { class: 'skeleton-rows' }, h('div', { class: 'skeleton-row' }, h('span', { class: 'skeleton w-40' }))));

  main.append(
    h('a', { class: 'back-link', href: '/devices' }, icon('back'), 'All devices'),
    h('div', { class: 'page-header' },
      h('div', { class: 'device-heading' },
        titleRow,
        subtitle),
      h('div', { class: 'page-actions' }, live.el, actionStatus, pingButton, signalButton)),
    placeholder,
    content);

  async function load() {
    const since = statusSeq;
    const fresh = await api.device(requested);
    if (!alive) return;
    // an online/offline event newer than this answer wins over it
    if (device && statusSeq > since) fresh.online = device.online;
    device = fresh;
    show();
  }

  function show() {
    placeholder.remove();
    content.hidden = false;
    const name = device.name ?? 'Unnamed device';
    if (!titleRow.querySelector('form')) title.textContent = name;
    shell.setTrail([{ label: 'Devices', href: '/devices' }, { label: name }]);
    badge.set(device.online);
    renameButton.hidden = Boolean(titleRow.querySelector('form'));
    pingButton.hidden = false;
    signalButton.hidden = false;
    const known = device.platform_id !== null && device.platform_id !== undefined;
    replace(subtitle, deviceId(device.id), copyIdButton(device.id), ' · ', known ? platformName(device.platform_id) : 'Type unknown');
    // a device is "yours" when you own it: a node administrator sees others' devices here too
    const mine = device.owner !== undefined && device.owner === session.account()?.username;
    ownership.hidden = !mine;
    showDetails();
    notes.show(device);
    const declarations = JSON.stringify([device.functions ?? [], device.variables ?? {}]);
    if (declarations !== drawnDeclarations) {
      drawnDeclarations = declarations;
      showFunctions();
      showVariables();
    }
  }

  function showDetails() {
    const row = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
    replace(details,
      row('Device ID', deviceId(device.id)),
      row('Name', device.name ?? '—'),
      device.owner !== undefined && device.owner !== session.account()?.username && row('Owner', device.owner ?? '—'),
      row('Platform', device.platform_id === null || device.platform_id === undefined
        ? 'Unknown' : `${platformName(device.platform_id)} (${device.platform_id})`),
      row('Device OS', h('span', { 'data-role': 'system-version' }, device.system_firmware_version ?? 'Not reported yet')),
      row('Product firmware', h('span', { 'data-role': 'firmware-version' },
        device.firmware_version === null || device.firmware_version === undefined ? 'None reported' : `v${device.firmware_version}`)),
      row('Status', device.online ? 'Online' : 'Offline'),
      row('Last heard', device.last_heard ? timeAgo(device.last_heard) : 'Never'),
      row('Last handshake', device.last_handshake_at ? timeAgo(device.last_handshake_at) : 'Never'),
      row('IP address', device.last_ip_address ?? '—'),
      row('Cellular', device.cellular ? 'Yes' : 'No'),
      device.iccid && row('ICCID', h('code', {}, device.iccid)));
  }

  function showFunctions() {
    const functions = device.functions ?? [];
    // tracker firmware registers `cmd`: it gets the JSON command box (tracker-cmd.js)
    cmdSlot.hidden = !functions.includes('cmd');
    if (cmdSlot.hidden) replace(cmdSlot);
    else replace(cmdSlot, cmdCard(device.id));
    replace(functionsBody, functionList(functions, (name, argument) => api.call(device.id, name, argument)));
  }

  function showVariables() {
    replace(variablesBody, variableList(device.variables ?? {}, (name) => api.read(device.id, name)));
  }

  /** The ID whole, never broken across lines (the CSS keeps it on one), with the whole ID in its title. */
  function deviceId(id) {
    return h('code', { class: 'device-id device-id-whole', title: id, 'data-role': 'device-id' }, id);
  }

  function copyIdButton(id) {
    const button = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm copy-id', 'data-action': 'copy-id', 'aria-label': 'Copy the device ID',
    }, 'Copy ID');
    button.addEventListener('click', async () => {
      const copied = await copyText(id);
      button.dataset.state = copied ? 'copied' : 'error';
      button.textContent = copied ? 'Copied' : 'Select the ID to copy it';
      setTimeout(() => {
        button.textContent = 'Copy ID';
        delete button.dataset.state;
      }, 2000);
    });
    return button;
  }

  async function ping() {
    pingButton.disabled = true;
    setStatus('pending', 'Pinging…');
    try {
      const answer = await api.ping(device.id);
      device.online = answer.online;
      badge.set(answer.online);
      showDetails();
      setStatus(answer.online ? 'ok' : 'error', answer.online ? 'Online: the device is connected' : 'Offline: the device is not connected');
    } catch (failure) {
      setStatus('error', failure.message);
    } finally {
      pingButton.disabled = false;
    }
  }

  async function toggleSignal() {
    signalButton.disabled = true;
    try {
      const answer = await api.signal(device.id, !signaling);
      signaling = answer.signaling === true;
      signalButton.textContent = signaling ? 'Stop signaling' : 'Signal';
      signalButton.setAttribute('aria-pressed', String(signaling));
      setStatus('ok', signaling ? 'Signaling: its LED shows rainbow colours' : 'Signaling stopped');
    } catch (failure) {
      setStatus('error', failure.message);
    } finally {
      signalButton.disabled = false;
    }
  }

  function setStatus(state, text) {
    actionStatus.dataset.state = state;
    actionStatus.textContent = text;
  }

  /** The name becomes a field in place: Enter or Save renames, Escape or Cancel leaves it. */
  function editName() {
    const input = h('input', {
      id: 'device-name', class: 'input', value: device.name ?? '', maxlength: '63', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'device-name-error',
    });
    const error = h('div', { id: 'device-name-error', class: 'field-error', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary btn-sm' }, 'Cancel');
    const form = h('form', { class: 'inline-edit', 'data-role': 'rename-form' },
      h('label', { for: 'device-name', class: 'sr-only' }, 'Device name'),
      h('div', { class: 'inline-edit-row' }, input, save, cancel),
      error);
    const close = () => {
      form.replaceWith(title);
      title.textContent = device.name ?? 'Unnamed device';
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
      if (!NAME_RULE.test(name)) {
        replace(error, 'Use 1 to 63 letters, digits, _ or -.');
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      save.disabled = true;
      replace(error);
      try {
        const updated = await api.rename(device.id, name);
        device.name = updated.name;
        close();
        show();
      } catch (failure) {
        replace(error, failure.message);
        input.setAttribute('aria-invalid', 'true');
        save.disabled = false;
        input.focus();
      }
    });
    renameButton.hidden = true;
    title.replaceWith(form);
    input.focus();
    input.select();
  }

  renameButton.addEventListener('click', editName);
  pingButton.addEventListener('click', ping);
  signalButton.addEventListener('click', toggleSignal);

  function notesCard() {
    const textarea = h('textarea', {
      id: 'notes', class: 'input textarea', rows: '4', maxlength: String(MAX_NOTES),
      placeholder: 'Where it is installed, what it is wired to, who to call…',
    });
    const status = h('span', { class: 'save-status', role: 'status' });
    const save = h('button', { type: 'submit', class: 'btn btn-secondary btn-sm' }, 'Save notes');
    const form = h('form', { class: 'stack-sm', 'data-role': 'notes-form' },
      h('label', { for: 'notes', class: 'sr-only' }, 'Notes'),
      textarea,
      h('div', { class: 'form-footer' }, h('span', { class: 'hint' }, 'Ctrl+Enter saves'), status, save));
    let shownFor = null;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      save.disabled = true;
      status.dataset.state = 'pending';
      status.textContent = 'Saving…';
      try {
        const updated = await api.saveNotes(device.id, textarea.value);
        device.notes = updated.notes;
        status.dataset.state = 'ok';
        status.textContent = 'Saved';
      } catch (failure) {
        status.dataset.state = 'error';
        status.textContent = failure.message;
      } finally {
        save.disabled = false;
      }
    });
    textarea.addEventListener('input', () => {
      status.textContent = '';
    });
    // Enter makes a new line in notes; Ctrl+Enter (Cmd+Enter) saves them
    textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    return {
      el: h('section', { class: 'card', 'aria-labelledby': 'notes-title' },
        h('header', { class: 'card-header' }, h('h2', { id: 'notes-title', class: 'card-title' }, 'Notes')),
        h('div', { class: 'card-body' }, form)),
      /** Fills the notes once per device, never over what the user is typing. */
      show(current) {
        if (shownFor === current.id) return;
        shownFor = current.id;
        textarea.value = current.notes ?? '';
      },
    };
  }

  /** The Event Logs for this device, open from the start: its events are what a visit to a device page is most often for. */
  function deviceEventsCard() {
    let view = null;
    const body = h('div', { class: 'card-body' }, h('p', { class: 'muted' }, 'Loading the device…'));
    const header = h('header', { class: 'card-header card-header-row' },
      h('div', {},
        h('h2', { id: 'device-events-title', class: 'card-title' }, 'Events'),
        h('p', { class: 'muted card-lead' }, 'Events this device publishes, as they arrive.')));
    return {
      el: h('section', { class: 'card', 'aria-labelledby': 'device-events-title', 'data-role': 'device-events' }, header, body),
      /**
       * Opens the view once the device's ID is known (a page opened by the device's name learns it first).
       * Its stream is the page's only one: the device's spark/status comes through it too (a browser
       * gives a host six connections).
       */
      open(hooks) {
        if (view) return;
        view = eventLogs({ device, ...hooks });
        header.append(view.live);
        replace(body, view.el);
      },
      close: () => view?.close(),
    };
  }

  function onStatus(id, online, publishedAt) {
    if (!device || id !== device.id) return;
    statusSeq++;
    device.online = online;
    if (online) device.last_heard = publishedAt ?? new Date().toISOString();
    badge.set(online);
    showDetails();
    if (online) {
      clearTimeout(describeTimer);
      describeTimer = setTimeout(() => load().catch(() => {}), DESCRIBE_DELAY_MS);
    }
  }

  load().then(() => {
    if (!alive) return;
    // the stream is per device ID; a page opened by the device's name learns the ID first
    eventsCard.open({
      onEvent(event) {
        if (event.name === 'spark/status' && (event.data === 'online' || event.data === 'offline')) {
          onStatus(event.coreid, event.data === 'online', event.published_at);
        }
      },
      onState(state) {
        if (state !== 'live') {
          live.set(state);
          return;
        }
        // (re)opened: what changed while it was not open shows
        load().then(() => live.set('live')).catch(() => live.set('live'));
      },
    });
  }).catch((failure) => {
    if (!alive) return;
    placeholder.remove();
    live.el.hidden = true;
    badge.el.hidden = true;
    title.textContent = failure.status === 404 ? 'Device not found' : 'This device could not be loaded';
    main.append(h('div', { class: 'card empty-state', role: 'alert' },
      h('p', { class: 'muted empty-text' }, failure.status === 404
        ? `No device of yours has the ID or name “${requested}”.` : failure.message),
      h('a', { class: 'btn btn-primary', href: '/devices' }, 'Back to Devices')));
  });

  return () => {
    alive = false;
    clearTimeout(describeTimer);
    eventsCard.close();
  };
}
