// One device: its details and notes, a form per function it declared, a Get per variable, and its
// online status kept live.

import { api } from '../lib/api.js';
import { h, icon, replace } from '../lib/dom.js';
import { platformName, timeAgo } from '../lib/format.js';
import { followStatus } from '../lib/live.js';
import { confirmUnclaim, liveIndicator, statusBadge } from '../lib/ui.js';
import { eventLogs } from './event-logs.js';
import { cmdCard } from './tracker-cmd.js';

/** After a device comes online it declares its functions and variables; look again this much later. */
const DESCRIBE_DELAY_MS = 1500;
const MAX_NOTES = 2000;

export function devicePage(main, { params, shell, navigate }) {
  const requested = params[0];
  shell.setTrail([{ label: 'Devices', href: '/devices' }, { label: requested }]);
  let alive = true;
  let device = null;
  let statusSeq = 0;
  let describeTimer = null;
  let drawnDeclarations = null;

  const live = liveIndicator();
  const badge = statusBadge(false);
  const title = h('h1', { class: 'page-title', tabindex: '-1' }, requested);
  const subtitle = h('p', { class: 'page-subtitle' });
  const details = h('dl', { class: 'details' });
  const functionsBody = h('div', { class: 'card-body' });
  const cmdSlot = h('div', { 'data-role': 'cmd-slot', hidden: true });
  const variablesBody = h('div', { class: 'card-body' });
  const notes = notesCard();
  const eventsCard = deviceEventsCard();
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
      h('section', { class: 'card', 'aria-labelledby': 'unclaim-section-title' },
        h('header', { class: 'card-header' }, h('h2', { id: 'unclaim-section-title', class: 'card-title' }, 'Ownership')),
        h('div', { class: 'card-body' },
          h('p', { class: 'muted small' }, 'Unclaiming removes this device from your account.'),
          h('button', {
            type: 'button', class: 'btn btn-secondary btn-danger-outline', 'data-action': 'unclaim',
            onclick: () => confirmUnclaim(device, () => navigate('/devices')),
          }, 'Unclaim device')))));
  const placeholder = h('div', { class: 'card', 'aria-busy': 'true' },
    h('div', { class: 'skeleton-rows' }, h('div', { class: 'skeleton-row' }, h('span', { class: 'skeleton w-40' }))));

  main.append(
    h('a', { class: 'back-link', href: '/devices' }, icon('back'), 'All devices'),
    h('div', { class: 'page-header' },
      h('div', {},
        h('div', { class: 'title-row' }, title, badge.el),
        subtitle),
      h('div', { class: 'page-actions' }, live.el)),
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
    title.textContent = name;
    shell.setTrail([{ label: 'Devices', href: '/devices' }, { label: name }]);
    badge.set(device.online);
    const known = device.platform_id !== null && device.platform_id !== undefined;
    replace(subtitle, h('code', { class: 'device-id' }, device.id), ' · ', known ? platformName(device.platform_id) : 'Type unknown');
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
      row('Device ID', h('code', { class: 'device-id' }, device.id)),
      row('Name', device.name ?? '—'),
      row('Type', device.platform_id === null || device.platform_id === undefined
        ? 'Unknown' : `${platformName(device.platform_id)} (${device.platform_id})`),
      row('Status', device.online ? 'Online' : 'Offline'),
      row('Last heard', device.last_heard ? timeAgo(device.last_heard) : 'Never'),
      row('Last handshake', device.last_handshake_at ? timeAgo(device.last_handshake_at) : 'Never'),
      row('IP address', device.last_ip_address ?? '—'),
      row('Cellular', device.cellular ? 'Yes' : 'No'),
      device.system_firmware_version && row('Device OS', device.system_firmware_version),
      device.iccid && row('ICCID', h('code', {}, device.iccid)));
  }

  function showFunctions() {
    const functions = device.functions ?? [];
    // tracker firmware registers `cmd`: it gets the JSON command box (tracker-cmd.js)
    cmdSlot.hidden = !functions.includes('cmd');
    if (cmdSlot.hidden) replace(cmdSlot);
    else replace(cmdSlot, cmdCard(device.id));
    if (functions.length === 0) {
      replace(functionsBody, h('p', { class: 'card-empty' },
        'This device has declared no functions. They appear here when its firmware registers them with ',
        h('code', {}, 'Particle.function()'), ' and it connects.'));
      return;
    }
    replace(functionsBody, h('div', { class: 'call-list' }, functions.map(functionForm)));
  }

  function functionForm(name, index) {
    const inputId = `fn-${index}`;
    const input = h('input', {
      id: inputId, class: 'input', name: 'arg', placeholder: 'Argument (optional)', autocomplete: 'off', spellcheck: 'false',
    });
    const result = h('output', { class: 'result', for: inputId, 'aria-live': 'polite', 'data-role': 'function-result' });
    const call = h('button', { type: 'submit', class: 'btn btn-secondary', 'aria-label': `Call ${name}` }, 'Call');
    const form = h('form', { class: 'call-row fn-row', dataset: { function: name } },
      h('label', { for: inputId, class: 'call-name' }, h('code', {}, name)),
      h('div', { class: 'call-controls' }, input, call),
      result);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      call.disabled = true;
      call.textContent = 'Calling…';
      result.dataset.state = 'pending';
      replace(result, h('span', { class: 'muted' }, 'Waiting for the device…'));
      try {
        const answer = await api.call(device.id, name, input.value);
        result.dataset.state = 'ok';
        replace(result, h('span', { class: 'result-label' }, 'Returned'), h('code', { class: 'result-value' }, String(answer.return_value)));
      } catch (failure) {
        result.dataset.state = 'error';
        replace(result, failure.message);
      } finally {
        call.disabled = false;
        call.textContent = 'Call';
      }
    });
    return form;
  }

  function showVariables() {
    const variables = Object.entries(device.variables ?? {});
    if (variables.length === 0) {
      replace(variablesBody, h('p', { class: 'card-empty' },
        'This device has declared no variables. They appear here when its firmware registers them with ',
        h('code', {}, 'Particle.variable()'), ' and it connects.'));
      return;
    }
    replace(variablesBody, h('ul', { class: 'call-list' }, variables.map(([name, type]) => variableRow(name, type))));
  }

  function variableRow(name, type) {
    const value = h('output', { class: 'result', 'aria-live': 'polite', 'data-role': 'variable-value' },
      h('span', { class: 'muted' }, 'Not read yet'));
    const get = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-label': `Get ${name}` }, 'Get');
    get.addEventListener('click', async () => {
      get.disabled = true;
      get.textContent = 'Reading…';
      value.dataset.state = 'pending';
      replace(value, h('span', { class: 'muted' }, 'Waiting for the device…'));
      try {
        const answer = await api.read(device.id, name);
        value.dataset.state = 'ok';
        replace(value, h('span', { class: 'result-label' }, 'Value'), h('code', { class: 'result-value' }, JSON.stringify(answer.result)));
      } catch (failure) {
        value.dataset.state = 'error';
        replace(value, failure.message);
      } finally {
        get.disabled = false;
        get.textContent = 'Get';
      }
    });
    return h('li', { class: 'call-row var-row', dataset: { variable: name } },
      h('span', { class: 'call-name' }, h('code', {}, name), h('span', { class: 'badge badge-neutral' }, type)),
      value,
      h('div', { class: 'call-controls' }, get));
  }

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

  /**
   * The Event Logs for this device, opened on request: a stream is one of the six connections a
   * browser gives a host, and most visits to a device page do not need its events.
   */
  function deviceEventsCard() {
    let view = null;
    const body = h('div', { class: 'card-body' });
    const show = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'show-events' }, 'Show live events');
    const header = h('header', { class: 'card-header card-header-row' },
      h('div', {},
        h('h2', { id: 'device-events-title', class: 'card-title' }, 'Events'),
        h('p', { class: 'muted card-lead' }, 'Events this device publishes, as they arrive.')));
    body.append(show);
    show.addEventListener('click', () => {
      view = eventLogs({ device });
      header.append(view.live);
      replace(body, view.el);
    });
    return {
      el: h('section', { class: 'card', 'aria-labelledby': 'device-events-title', 'data-role': 'device-events' }, header, body),
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

  let stream = null;
  load().then(() => {
    if (!alive) return;
    // the stream is per device ID; a page opened by the device's name learns the ID first
    stream = followStatus(`/v1/devices/${encodeURIComponent(device.id)}/events/spark/status`, {
      onStatus,
      onState(state) {
        if (state !== 'live') {
          live.set(state);
          return;
        }
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
    stream?.close();
    eventsCard.close();
  };
}
