// The Event Logs (console-guide.md, "Event Logs"): a live list of events as they arrive, the filter
// language with its modifiers, a detail pane (JSON pretty-printed, RAW toggle, copy), arrow-key
// navigation, Clear, Pause/Play with a queue, and a Publish form. The same view serves a device's page,
// where the stream is that device's and the device: modifier is refused.
//
// At 1,000 events a second the page must stay responsive: events are collected as they arrive and
// drawn once per animation frame, in one batch; the list keeps the newest MAX_ROWS.

import { api } from '../lib/api.js';
import { showModal } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { deviceIdCode, eventTime, exactTime, plural } from '../lib/format.js';
import { followEvents } from '../lib/event-stream.js';
import { FilterSyntaxError, MODIFIERS, parseFilter } from '../lib/event-filter.js';
import { liveIndicator } from '../lib/ui.js';

const MAX_ROWS = 1000;
/** Paused, events wait here; past this the oldest are dropped (and counted) rather than memory grow. */
const MAX_QUEUED = 10_000;
const NAMES_REFRESH_MS = 10_000;
/** Stored events shown when the view opens, under whatever arrives live. */
const HISTORY = 200;
/** On a product's Logs, the most devices whose names are asked for, one request each. */
const MAX_NAME_LOOKUPS = 500;

export function eventsPage(main, { shell }) {
  shell.setTrail([{ label: 'Events' }]);
  const view = eventLogs({});
  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Events'),
        h('p', { class: 'page-subtitle' }, 'Events from your devices as they arrive, while this page is open.')),
      h('div', { class: 'page-actions' }, view.live)),
    view.el);
  return view.close;
}

/**
 * @param device {id} to show one device's events (the device: modifier is refused), or nothing for all
 * @param streamPath the stream to follow; by default the caller's devices' (or the one device's)
 * @param product the ID or slug of the product whose stream this is (its Logs page), or null: then the
 *     stored history is the product's, there is no Publish (that one is the account's), device names are
 *     looked up in the product one device at a time, and the detail shows the device's owner and firmware version
 * @param onEvent optional, each event as it arrives (paused or not): a page that shows this view need not
 *     open a stream of its own (the device page follows its device's spark/status here)
 * @param onState optional, the stream's state as live.js and event-stream.js name it
 * @returns {{el: Element, live: Element, close(): void}}
 */
export function eventLogs({ device = null, streamPath = null, product = null, onEvent = null, onState = null }) {
  let filter = parseFilter('');
  let events = [];            // newest first, at most MAX_ROWS: what the list can show
  let pending = [];           // arrived, not drawn yet
  let queued = [];            // arrived while paused
  let dropped = 0;
  let paused = false;
  let frame = 0;
  let selected = null;        // the event shown in the detail pane
  let raw = false;
  let serial = 0;
  const names = new Map();
  let namesLoadedAt = 0;
  const storedIds = new Set();
  const lookedUp = new Set();

  const live = liveIndicator();
  live.el.dataset.role = 'events-live';
  live.el.title = 'Events arrive as devices publish them';

  const filterInput = h('input', {
    id: device ? 'device-event-filter' : 'event-filter', class: 'input input-search input-mono event-filter', type: 'search',
    placeholder: device ? 'Filter: words, event:NAME, data:VALUE, range:MIN-MAX' : 'Filter: words, device:ID, event:NAME, data:VALUE, range:MIN-MAX',
    autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Filter events', 'aria-describedby': 'event-filter-error',
  });
  const filterError = h('div', { id: 'event-filter-error', class: 'field-error', role: 'alert', 'data-role': 'filter-error' });
  const advancedButton = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'aria-expanded': 'false', 'data-action': 'advanced' }, 'Advanced');
  const modifiers = h('div', { class: 'modifiers', hidden: true, 'data-role': 'modifiers' },
    h('p', { class: 'hint' }, 'Modifiers narrow the list; combine them with each other and with words. ',
      'Several of one type are an OR: ', h('code', {}, 'event:temp event:humidity'), '.'),
    h('dl', { class: 'modifier-list' }, MODIFIERS.map(([key, what, example]) => {
      const off = device && key === 'device';
      return [h('dt', {}, h('code', {}, `${key}:`)),
        h('dd', { class: off ? 'muted' : null },
          off ? 'Not available here: this page shows one device already' : what, ' ',
          !off && h('button', { type: 'button', class: 'link-button', 'data-example': example, onclick: () => addModifier(example) }, example))];
    })));
  const pauseButton = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'pause', 'aria-pressed': 'false' }, 'Pause');
  const queuedBadge = h('span', { class: 'badge badge-neutral queued', hidden: true, role: 'status', 'data-role': 'queued' });
  const clearButton = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'clear' }, 'Clear');
  const publishButton = product ? null
    : h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-action': 'publish' }, icon('plus'), 'Publish event');
  const count = h('span', { class: 'muted small', 'data-role': 'event-count' });

  const list = h('ul', {
    class: 'event-list', role: 'listbox', tabindex: '0', 'aria-label': 'Events, newest first', 'data-role': 'event-list',
  });
  const empty = h('p', { class: 'card-empty event-empty', 'data-role': 'no-events' }, 'Waiting for events…');
  const detail = h('section', { class: 'event-detail', 'aria-label': 'Event data', 'data-role': 'event-detail' },
    h('p', { class: 'card-empty' }, 'Click an event to see its data. The arrow keys move through the list.'));

  const el = h('div', { class: 'card event-logs' },
    h('div', { class: 'event-toolbar' },
      h('div', { class: 'search event-filter-field' }, icon('search', 'search-icon'), filterInput),
      advancedButton, pauseButton, queuedBadge, clearButton, publishButton),
    filterError,
    modifiers,
    // one device's page leaves out the Device column: every row would name the same device
    h('div', { class: device ? 'event-panes one-device' : 'event-panes' },
      h('div', { class: 'event-list-pane' },
        h('div', { class: 'event-head', 'aria-hidden': 'true' },
          h('span', {}, 'Event'), h('span', {}, 'Data'), device ? null : h('span', {}, 'Device'), h('span', {}, 'Time')),
        list, empty, h('div', { class: 'event-foot' }, count)),
      detail));

  filterInput.addEventListener('input', () => applyFilter());
  advancedButton.addEventListener('click', () => {
    modifiers.hidden = !modifiers.hidden;
    advancedButton.setAttribute('aria-expanded', String(!modifiers.hidden));
  });
  pauseButton.addEventListener('click', () => (paused ? play() : pause()));
  clearButton.addEventListener('click', () => {
    events = [];
    pending = [];
    selected = null;
    redraw();
    showDetail();
  });
  publishButton?.addEventListener('click', () => openPublish());
  list.addEventListener('click', (event) => {
    const row = event.target.closest('li[data-serial]');
    if (row) select(row);
  });
  list.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const current = list.querySelector('li[aria-selected="true"]');
    const next = !current ? list.firstElementChild
      : event.key === 'ArrowDown' ? current.nextElementSibling : current.previousElementSibling;
    if (next) select(next);
  });

  function addModifier(example) {
    filterInput.value = `${filterInput.value.trim()} ${example}`.trim();
    applyFilter();
    filterInput.focus();
  }

  function applyFilter() {
    try {
      const parsed = parseFilter(filterInput.value);
      if (device && parsed.filtersByDevice) {
        throw new FilterSyntaxError('The device modifier is not available here: this page shows one device already');
      }
      filter = parsed;
      filterInput.removeAttribute('aria-invalid');
      replace(filterError);
    } catch (failure) {
      if (!(failure instanceof FilterSyntaxError)) throw failure;
      filterInput.setAttribute('aria-invalid', 'true');
      replace(filterError, failure.message);
      return;
    }
    redraw();
  }

  function pause() {
    paused = true;
    pauseButton.textContent = 'Play';
    pauseButton.dataset.action = 'play';
    pauseButton.setAttribute('aria-pressed', 'true');
    showQueued();
  }

  function play() {
    paused = false;
    pauseButton.textContent = 'Pause';
    pauseButton.dataset.action = 'pause';
    pauseButton.setAttribute('aria-pressed', 'false');
    pending.push(...queued);
    queued = [];
    dropped = 0;
    showQueued();
    schedule();
  }

  function showQueued() {
    queuedBadge.hidden = !paused;
    queuedBadge.textContent = `${queued.length.toLocaleString()} queued${dropped ? ` (${dropped.toLocaleString()} dropped)` : ''}`;
  }

  function arrive(event) {
    if (storedIds.has(event.id)) return; // shown already, from the history loaded on open
    event.serial = ++serial;
    event.deviceName = names.get(event.coreid) ?? null;
    if (event.deviceName === null && event.coreid !== 'api') {
      if (product) lookUpName(event.coreid);
      else refreshNames();
    }
    if (paused) {
      queued.push(event);
      if (queued.length > MAX_QUEUED) {
        queued.shift();
        dropped++;
      }
      showQueued();
      return;
    }
    pending.push(event);
    schedule();
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(flush);
  }

  /** Once per frame: every event that arrived since the last, drawn in one batch. */
  function flush() {
    frame = 0;
    if (pending.length === 0) return;
    let batch = pending;
    pending = [];
    if (batch.length > MAX_ROWS) batch = batch.slice(batch.length - MAX_ROWS);
    const fragment = document.createDocumentFragment();
    for (let i = batch.length - 1; i >= 0; i--) {
      if (filter.matches(batch[i])) fragment.append(row(batch[i]));
    }
    events = batch.reverse().concat(events);
    if (events.length > MAX_ROWS) events.length = MAX_ROWS;
    list.prepend(fragment);
    trimList();
    showCount();
  }

  function trimList() {
    while (list.childElementCount > MAX_ROWS) list.lastElementChild.remove();
  }

  function redraw() {
    const fragment = document.createDocumentFragment();
    for (const event of events) {
      if (filter.matches(event)) fragment.append(row(event));
    }
    list.replaceChildren(fragment);
    showCount();
  }

  function showCount() {
    const shown = list.childElementCount;
    empty.hidden = shown > 0;
    empty.textContent = events.length > 0 ? 'No event matches the filter.' : 'Waiting for events…';
    count.textContent = filter.isEmpty ? plural(events.length, 'event', 'events')
      : `${shown.toLocaleString()} of ${plural(events.length, 'event', 'events')} match`;
  }

  function row(event) {
    const li = h('li', {
      role: 'option', class: 'event-row', 'aria-selected': selected === event ? 'true' : 'false',
      dataset: { serial: String(event.serial), name: event.name, role: 'event-row' },
    },
    h('span', { class: 'event-name' }, event.name),
    h('span', { class: 'event-data' }, event.data ?? ''),
    device ? null : event.deviceName
      ? h('span', { class: 'event-device', title: event.coreid }, event.deviceName)
      : h('span', { class: 'event-device' }, event.coreid === 'api' ? 'api' : deviceIdCode(event.coreid)),
    h('time', { class: 'event-time', datetime: event.published_at, title: exactTime(event.published_at) }, eventTime(event.published_at)));
    li.event = event;
    return li;
  }

  function select(li) {
    list.querySelector('li[aria-selected="true"]')?.setAttribute('aria-selected', 'false');
    li.setAttribute('aria-selected', 'true');
    li.scrollIntoView({ block: 'nearest' });
    selected = li.event;
    showDetail();
  }

  function showDetail() {
    if (!selected) {
      replace(detail, h('p', { class: 'card-empty' }, 'Click an event to see its data. The arrow keys move through the list.'));
      return;
    }
    const event = selected;
    const pretty = prettyJson(event.data);
    const rawButton = h('button', {
      type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'raw', 'aria-pressed': String(raw || !pretty), disabled: !pretty,
      title: pretty ? 'Show the data exactly as sent' : 'The data is not JSON: it is shown as sent',
    }, 'RAW');
    const copyButton = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'copy' }, 'Copy');
    const copied = h('span', { class: 'save-status', role: 'status', 'data-role': 'copy-status' });
    const body = h('pre', { class: 'event-data-view', 'data-role': 'event-data', dataset: { format: pretty && !raw ? 'pretty' : 'raw' } },
      pretty && !raw ? pretty : (event.data ?? ''));
    rawButton.addEventListener('click', () => {
      raw = !raw;
      showDetail();
    });
    copyButton.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(event.data ?? '');
        copied.dataset.state = 'ok';
        copied.textContent = 'Copied';
      } catch {
        copied.dataset.state = 'error';
        copied.textContent = 'The browser did not allow copying';
      }
    });
    replace(detail,
      h('header', { class: 'event-detail-head' },
        h('h2', { class: 'card-title', 'data-role': 'event-detail-name' }, event.name),
        h('div', { class: 'event-detail-actions' }, copied, rawButton, copyButton)),
      h('dl', { class: 'details event-meta' },
        h('dt', {}, 'Device'), h('dd', {}, event.deviceName ? `${event.deviceName} (${event.coreid})` : event.coreid),
        h('dt', {}, 'Published'), h('dd', {}, exactTime(event.published_at)),
        h('dt', {}, 'TTL'), h('dd', {}, `${event.ttl} s`),
        event.productID !== undefined && [
          h('dt', {}, 'Owner’s user ID'), h('dd', { 'data-role': 'event-owner' }, event.userid ?? 'Unclaimed'),
          h('dt', {}, 'Firmware version'), h('dd', {}, event.version ?? 'Not reported'),
          h('dt', {}, 'Public'), h('dd', {}, event.public ? 'Yes' : 'No')]),
      body);
  }

  /** The device names the rows show, from the device list: once at the start, again for a new device. */
  function refreshNames() {
    const now = Date.now();
    if (now - namesLoadedAt < NAMES_REFRESH_MS) return Promise.resolve();
    namesLoadedAt = now;
    return api.devices().then((devices) => {
      for (const d of devices) names.set(d.id, d.name);
    }).catch(() => {});
  }

  /**
   * A product device's name, asked once per device (a product may hold a million devices: no list is
   * loaded whole); the rows already drawn get it when it arrives.
   */
  function lookUpName(id) {
    if (lookedUp.has(id) || lookedUp.size >= MAX_NAME_LOOKUPS) return;
    lookedUp.add(id);
    api.productDevices(product, { deviceId: id, per_page: 1 }).then((answer) => {
      const name = answer.devices.find((d) => d.id === id)?.name;
      if (!name) return;
      names.set(id, name);
      for (const list of [events, pending, queued]) {
        for (const e of list) if (e.coreid === id) e.deviceName = name;
      }
      redraw();
      if (selected?.coreid === id) showDetail();
    }).catch(() => {
      // the ID is shown instead
    });
  }

  function openPublish() {
    const error = h('div', { class: 'form-error', role: 'alert' });
    const name = h('input', { id: 'publish-name', class: 'input input-mono', required: true, maxlength: '64', autocomplete: 'off', spellcheck: 'false' });
    const data = h('textarea', { id: 'publish-data', class: 'input textarea input-mono', rows: '4', spellcheck: 'false' });
    const isPrivate = h('input', { id: 'publish-private', type: 'checkbox', checked: true });
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel' }, 'Cancel');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'confirm-publish' }, 'Publish');
    const form = h('form', { class: 'dialog-body stack' },
      h('h2', { id: 'publish-title', class: 'dialog-title' }, 'Publish an event'),
      h('p', { class: 'muted small' }, 'Published by the cloud (device ID “api”), as particle publish does.'),
      h('div', { class: 'field' }, h('label', { for: 'publish-name' }, 'Event name'), name),
      h('div', { class: 'field' }, h('label', { for: 'publish-data' }, 'Data (optional)'), data),
      h('label', { class: 'checkbox' }, isPrivate, ' Private (only your account sees it)'),
      error,
      h('div', { class: 'dialog-actions' }, cancel, submit));
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'publish-title' }, form);
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => dialog.remove());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      replace(error);
      try {
        await api.publish(name.value, data.value === '' ? undefined : data.value, isPrivate.checked);
        dialog.close();
      } catch (failure) {
        replace(error, failure.message);
        submit.disabled = false;
      }
    });
    showModal(dialog, name);
  }

  /** Recent stored events go under the live ones; an event both stored and streamed is shown once. */
  function loadHistory() {
    const loading = product ? api.productHistory(product, { limit: HISTORY, device: device?.id })
      : api.history({ limit: HISTORY, device: device?.id });
    loading.then((page) => {
      const shown = new Set(events.map((e) => e.id));
      for (const e of pending) shown.add(e.id);
      for (const e of queued) shown.add(e.id);
      const older = [];
      for (const stored of page.events) {
        if (shown.has(stored.id)) continue;
        stored.serial = ++serial;
        stored.deviceName = names.get(stored.coreid) ?? null;
        storedIds.add(stored.id);
        older.push(stored);
        if (product && stored.deviceName === null && stored.coreid !== 'api') lookUpName(stored.coreid);
      }
      events = events.concat(older).sort((a, b) => b.id - a.id);
      if (events.length > MAX_ROWS) events.length = MAX_ROWS;
      redraw();
    }).catch(() => {
      // the live list works without history
    });
  }

  if (product) loadHistory();
  else refreshNames().then(loadHistory);
  const path = streamPath ?? (device ? `/v1/devices/${encodeURIComponent(device.id)}/events` : '/v1/devices/events');
  const stream = followEvents(path, {
    onEvent(event) {
      onEvent?.(event);
      arrive(event);
    },
    onState(state) {
      live.set(state);
      onState?.(state);
    },
  });
  showCount();

  return {
    el,
    live: live.el,
    close() {
      stream.close();
      cancelAnimationFrame(frame);
    },
  };
}

/** The data laid out for reading when it is a JSON object or array; null otherwise (a bare number is not worth it). */
function prettyJson(data) {
  if (!data || (data[0] !== '{' && data[0] !== '[' && data.trim()[0] !== '{' && data.trim()[0] !== '[')) return null;
  try {
    return JSON.stringify(JSON.parse(data), null, 2);
  } catch {
    return null;
  }
}
