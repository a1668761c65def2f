// An Asset Tracker product's settings (console-guide.md, "Product Settings" and "Device Settings"):
// the fleet's settings, or with ?device= a development device's own, in a form generated from the
// API's JSON schema; the fleet's sync state; and the guide's data-usage calculator.

import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { deviceIdCode, plural, timeAgo } from '../lib/format.js';

/** The guide's names for the schema's sections; a section the schema adds later shows its own key. */
const SECTION_TITLES = { location: 'Location', imu_trig: 'Motion', rgb: 'RGB LED' };
const SYNC_REFRESH_MILLIS = 10_000;
/**
 * After a save the node pushes the settings to the online devices in the background (the save answers
 * first), so the sync state is asked again soon after: a device it was sent to shows as pending then.
 */
const AFTER_SAVE_REFRESH_MILLIS = [800, 2_500, 5_000];
/** The RGB fields only the "direct" LED type uses (the guide's "RGB LED Settings"). */
const DIRECT_RGB_FIELDS = ['rgb.red', 'rgb.green', 'rgb.blue', 'rgb.brightness'];
/** The guide's "Typical Settings": each fills in the fields it names (saved with Save, like any change). */
export const PRESETS = [
  { id: 'vehicle-detailed', label: 'Vehicle (detailed)', hint: 'Radius 151 m, every 30 s at most, 15 min at least',
    values: { location: { radius: 151, interval_min: 30, interval_max: 900 } } },
  { id: 'vehicle-less', label: 'Vehicle (less detail)', hint: 'Radius 1600 m, every 5 min at most, 15 min at least',
    values: { location: { radius: 1600, interval_min: 300, interval_max: 900 } } },
  { id: 'theft', label: 'Item tracking and theft prevention', hint: 'Medium motion, every 30 s at most, 1 h at least',
    values: { imu_trig: { motion: 'medium' }, location: { interval_min: 30, interval_max: 3600 } } },
  { id: 'periodic', label: 'Periodic information', hint: 'Every 2 minutes',
    values: { location: { interval_max: 120 } } },
];
/** The guide's "Data Usage": 40 bytes of publish overhead plus 231 of confirmation and acknowledgements. */
export const PUBLISH_OVERHEAD_BYTES = 271;
/** The guide's table assumes 500 bytes a publish: its 209-byte example with room to spare, plus the overhead. */
const DEFAULT_PAYLOAD_BYTES = 229;
/** The guide's month: 30 days. */
const SECONDS_PER_MONTH = 30 * 86_400;

/** Bytes a month when a location is published every `intervalSeconds`; null for 0 (no such interval). */
export function bytesPerMonth(intervalSeconds, payloadBytes) {
  if (!(intervalSeconds > 0)) return null;
  return Math.round((payloadBytes + PUBLISH_OVERHEAD_BYTES) * (SECONDS_PER_MONTH / intervalSeconds));
}

export function productTrackerSettingsPage(main, { params, query, shell }) {
  const idOrSlug = params[0];
  const deviceId = query.get('device');
  let alive = true;
  let syncTimer = null;
  const title = deviceId ? 'Device settings' : 'Tracker settings';
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading the settings…'));
  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, title),
        h('p', { class: 'page-subtitle' }, deviceId
          ? h('span', {}, 'A development device\'s own settings for ', h('code', { class: 'device-id' }, deviceId),
            '; the fields it does not set come from the fleet.')
          : 'Settings for every device of the fleet. Devices get a change at once when online, otherwise at their next connection.'))),
    body);
  const base = `/products/${encodeURIComponent(idOrSlug)}`;
  shell.setTrail([{ label: 'Products', href: '/products' }, { label: idOrSlug }, { label: 'Map' }, { label: title }]);

  Promise.all([shell.product() ?? api.product(idOrSlug).then((a) => a.product), api.trackerSchema(idOrSlug),
    api.trackerConfig(idOrSlug, deviceId)])
    .then(([product, schema, config]) => {
      if (!alive) return;
      shell.setTrail([{ label: 'Products', href: '/products' }, { label: product.name, href: base },
        { label: 'Map', href: `${base}/map` },
        deviceId ? { label: 'Tracker settings', href: `${base}/tracker-settings` } : { label: title },
        deviceId && { label: deviceId }].filter(Boolean));
      const may = product.permissions.includes('manage_settings');
      const calculator = usageCalculator();
      const sync = deviceId ? null : syncState(idOrSlug);
      // a save changes what every device should run: the sync state is redrawn at once, not at the next tick
      const form = settingsForm({
        idOrSlug, deviceId, schema, config, may, onValues: calculator.update,
        onSaved: () => {
          sync?.refresh();
          for (const delay of AFTER_SAVE_REFRESH_MILLIS) setTimeout(() => alive && sync?.refresh(), delay);
        },
      });
      replace(body, form.element, calculator.element, sync?.element);
      calculator.update(form.values());
      if (sync) {
        sync.refresh();
        syncTimer = setInterval(() => sync.refresh(), SYNC_REFRESH_MILLIS);
      }
    })
    .catch((failure) => {
      if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
    });

  return () => {
    alive = false;
    clearInterval(syncTimer);
  };
}

/**
 * The form, one field per schema property. Saves only the fields the user changed (for a device they
 * become its own); a refusal naming a field (`rgb.red must be ...`) is shown next to that field.
 */
function settingsForm({ idOrSlug, deviceId, schema, config, may, onValues, onSaved }) {
  const development = deviceId ? config.development : true;
  const editable = may && development;
  const fields = new Map(); // "section.name" -> { property, input, error }
  let loaded = config.configuration;
  const status = h('span', { class: 'save-status', role: 'status', 'data-role': 'settings-status' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', disabled: !editable, 'data-action': 'save-tracker-settings' }, 'Save');
  const reset = deviceId && h('button', {
    type: 'button', class: 'btn btn-secondary', disabled: !editable, 'data-action': 'reset-device-settings',
  }, 'Reset to fleet settings');
  const source = h('p', { class: 'muted', 'data-role': 'settings-source' });

  const sections = Object.entries(schema.properties).map(([section, sectionSchema]) => h('fieldset', { class: 'card', 'data-section': section },
    h('div', { class: 'card-header' }, h('legend', { class: 'card-title' }, SECTION_TITLES[section] ?? section)),
    h('div', { class: 'card-body stack' }, Object.entries(sectionSchema.properties).map(([name, property]) => {
      const key = `${section}.${name}`;
      const id = `setting-${section}-${name}`;
      const input = property.enum
        ? h('select', { id, class: 'input input-fit', disabled: !editable }, property.enum.map((choice) => h('option', { value: choice }, choice)))
        : h('input', {
          id, class: 'input input-fit', type: 'number', inputmode: property.type === 'integer' ? 'numeric' : 'decimal',
          min: property.minimum, max: property.maximum, step: property.type === 'integer' ? 1 : 'any', disabled: !editable,
        });
      // as wide as the largest value it takes (and a decimal part for a number), not the whole card
      if (!property.enum) {
        const digits = String(property.maximum).length + (property.type === 'integer' ? 0 : 3);
        input.style.setProperty('width', `${digits + 6}ch`); // the CSSOM: style attributes are refused by the CSP
      }
      const error = h('span', { class: 'field-error', role: 'alert', 'data-error-for': key });
      const hint = property.enum ? null : h('span', { class: 'hint' },
        `${property.type === 'integer' ? 'Whole number' : 'Number'} from ${property.minimum} to ${property.maximum}`);
      input.dataset.field = key;
      input.addEventListener('input', () => {
        replace(error);
        onValues(values());
      });
      const field = h('div', { class: 'field', 'data-setting': key }, h('label', { for: id }, property.title ?? name), input, hint, error);
      fields.set(key, { property, input, error, field });
      return field;
    }))));

  /** Red, green, blue and brightness only for the LED type that uses them (direct). */
  function showLedFields() {
    const type = fields.get('rgb.type')?.input.value;
    for (const key of DIRECT_RGB_FIELDS) {
      if (fields.has(key)) fields.get(key).field.hidden = type !== 'direct';
    }
  }
  fields.get('rgb.type')?.input.addEventListener('change', showLedFields);

  /** Fills in a preset's fields; the user saves them (or not) as any change. */
  function apply(preset) {
    for (const [section, sectionValues] of Object.entries(preset.values)) {
      for (const [name, value] of Object.entries(sectionValues)) {
        const field = fields.get(`${section}.${name}`);
        if (!field) continue;
        field.input.value = String(value);
        replace(field.error);
      }
    }
    showLedFields();
    onValues(values());
    delete status.dataset.state;
    replace(status, `${preset.label} filled in: Save to apply it.`);
  }
  const presets = editable && h('section', { class: 'card', 'data-role': 'presets', 'aria-labelledby': 'presets-title' },
    h('div', { class: 'card-header' },
      h('h2', { id: 'presets-title', class: 'card-title' }, 'Typical settings'),
      h('p', { class: 'card-lead muted' }, 'Common scenarios from the Asset Tracker guide: one fills in the fields it names.')),
    h('div', { class: 'card-body preset-list' }, PRESETS.map((preset) => h('button', {
      type: 'button', class: 'btn btn-secondary preset', 'data-preset': preset.id, title: preset.hint,
      onclick: () => apply(preset),
    }, h('span', { class: 'preset-label' }, preset.label), h('span', { class: 'preset-hint' }, preset.hint)))));

  function show(configuration) {
    loaded = configuration;
    for (const [key, { input, error }] of fields) {
      const [section, name] = key.split('.');
      input.value = String(configuration[section]?.[name] ?? '');
      replace(error);
    }
    showLedFields();
    onValues(values());
  }

  function showSource(answer) {
    if (!deviceId) return;
    const own = Object.entries(answer.own ?? {}).flatMap(([section, f]) => Object.keys(f).map((name) => `${section}.${name}`));
    source.dataset.source = answer.source;
    replace(source, !answer.development
      ? 'Not a development device: it runs the fleet\'s settings. Mark it as a development device on the Devices page to give it its own.'
      : own.length === 0 ? 'It runs the fleet\'s settings.' : `Its own settings: ${own.join(', ')}; the rest come from the fleet.`);
  }

  /** The form's values as the API writes them (numbers as numbers); a field left empty is NaN. */
  function values() {
    const out = {};
    for (const [key, { property, input }] of fields) {
      const [section, name] = key.split('.');
      (out[section] ??= {})[name] = property.enum ? input.value : (input.value.trim() === '' ? NaN : Number(input.value));
    }
    return out;
  }

  /** The schema's checks, and the one rule across fields, before anything is sent. */
  function problems(current) {
    const found = new Map();
    for (const [key, { property }] of fields) {
      const [section, name] = key.split('.');
      const value = current[section][name];
      if (property.enum) {
        if (!property.enum.includes(value)) found.set(key, `${key} must be one of ${property.enum.join(', ')}`);
      } else if (!Number.isFinite(value) || (property.type === 'integer' && !Number.isInteger(value))
        || value < property.minimum || value > property.maximum) {
        found.set(key, `${key} must be ${property.type === 'integer' ? 'an integer' : 'a number'} from ${property.minimum} to ${property.maximum}`);
      }
    }
    const min = current.location?.interval_min;
    const max = current.location?.interval_max;
    if (!found.has('location.interval_max') && Number.isFinite(min) && Number.isFinite(max) && max !== 0 && max < min) {
      found.set('location.interval_max', 'location.interval_max must be 0 or at least location.interval_min');
    }
    return found;
  }

  function fail(message) {
    status.dataset.state = 'error';
    const key = [...fields.keys()].find((name) => message.startsWith(`${name} `));
    if (key) {
      replace(fields.get(key).error, message);
      replace(status, 'Not saved: see the field marked.');
    } else {
      replace(status, message);
    }
  }

  const form = h('form', { class: 'stack', 'data-role': 'tracker-settings', novalidate: true },
    !may && h('div', { class: 'callout callout-info' }, 'Your role may read these settings but not change them.'),
    source,
    presets,
    sections,
    h('div', { class: 'form-footer' }, status, reset, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    delete status.dataset.state;
    for (const { error } of fields.values()) replace(error);
    const current = values();
    const found = problems(current);
    if (found.size > 0) {
      for (const [key, message] of found) replace(fields.get(key).error, message);
      status.dataset.state = 'error';
      replace(status, 'Not saved: see the fields marked.');
      return;
    }
    const change = {};
    for (const [section, sectionValues] of Object.entries(current)) {
      for (const [name, value] of Object.entries(sectionValues)) {
        if (loaded[section]?.[name] !== value) (change[section] ??= {})[name] = value;
      }
    }
    if (Object.keys(change).length === 0) {
      replace(status, 'Nothing changed.');
      return;
    }
    save.disabled = true;
    replace(status, 'Saving…');
    try {
      const answer = await api.saveTrackerConfig(idOrSlug, deviceId, change);
      show(answer.configuration);
      showSource(answer);
      status.dataset.state = 'ok';
      replace(status, `Saved (checksum ${answer.checksum})`);
      onSaved();
    } catch (failure) {
      fail(failure.message);
    } finally {
      save.disabled = false;
    }
  });
  reset?.addEventListener('click', async () => {
    reset.disabled = true;
    delete status.dataset.state;
    try {
      const answer = await api.resetTrackerConfig(idOrSlug, deviceId);
      show(answer.configuration);
      showSource(answer);
      status.dataset.state = 'ok';
      replace(status, 'It runs the fleet\'s settings again.');
    } catch (failure) {
      fail(failure.message);
    } finally {
      reset.disabled = false;
    }
  });
  show(config.configuration);
  showSource(config);
  return { element: form, values };
}

/** The guide's data-usage table as a calculator over the form's intervals. */
function usageCalculator() {
  const payload = h('input', {
    id: 'usage-payload', class: 'input', type: 'number', min: 1, max: 1024, step: 1, value: DEFAULT_PAYLOAD_BYTES,
    'data-role': 'usage-payload',
  });
  const moving = h('output', { 'data-role': 'usage-moving', for: 'usage-payload setting-location-interval_min' });
  const still = h('output', { 'data-role': 'usage-stationary', for: 'usage-payload setting-location-interval_max' });
  let intervals = { min: NaN, max: NaN };
  const describe = (bytes, interval) => {
    if (bytes === null) return 'no publishes on this trigger (interval 0)';
    return `${bytes.toLocaleString('en-US')} bytes a month (${human(bytes)}), one publish every ${plural(interval, 'second', 'seconds')}`;
  };
  const draw = () => {
    const size = Number(payload.value);
    for (const [out, interval] of [[moving, intervals.min], [still, intervals.max]]) {
      const valid = Number.isFinite(size) && size > 0 && Number.isFinite(interval) && interval >= 0;
      const bytes = valid ? bytesPerMonth(interval, size) : null;
      out.dataset.bytes = bytes === null ? '' : String(bytes);
      out.textContent = valid ? describe(bytes, interval) : 'enter a payload size and interval';
    }
  };
  payload.addEventListener('input', draw);
  const element = h('section', { class: 'card', 'data-role': 'usage-calculator', 'aria-labelledby': 'usage-title' },
    h('div', { class: 'card-header' }, h('h2', { id: 'usage-title', class: 'card-title' }, 'Data usage')),
    h('div', { class: 'card-body stack' },
      h('p', { class: 'muted' },
        `Bytes a month = (payload + ${PUBLISH_OVERHEAD_BYTES}) × 2,592,000 ÷ interval in seconds: ${PUBLISH_OVERHEAD_BYTES} bytes are the`
        + ' publish\'s overhead (40) and its confirmation and acknowledgements (231); a month is 30 days. The default payload,'
        + ` ${DEFAULT_PAYLOAD_BYTES} bytes, makes the guide's 500 bytes a publish. Location publishes only: connecting and firmware updates are extra.`),
      h('div', { class: 'field' }, h('label', { for: 'usage-payload' }, 'Payload size (bytes, as the Console shows the publish)'), payload),
      h('dl', { class: 'details details-left' },
        h('dt', {}, 'Moving all the time (minimum interval)'), h('dd', {}, moving),
        h('dt', {}, 'Never moving (maximum interval)'), h('dd', {}, still))));
  return {
    element,
    update(values) {
      intervals = { min: values.location?.interval_min, max: values.location?.interval_max };
      draw();
    },
  };
}

function human(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

/** The fleet's sync state: counts, and the devices not in sync with since when. */
function syncState(idOrSlug) {
  const counts = h('div', { class: 'sync-counts', 'data-role': 'sync-counts' });
  const table = h('div', { 'data-role': 'sync-devices' }, h('p', { class: 'muted' }, 'Loading…'));
  const error = h('div', { class: 'form-error', role: 'alert' });
  const element = h('section', { class: 'card', 'data-role': 'sync-state', 'aria-labelledby': 'sync-title' },
    h('div', { class: 'card-header' }, h('h2', { id: 'sync-title', class: 'card-title' }, 'Fleet sync state')),
    h('div', { class: 'card-body stack' }, counts, error, table));
  let busy = false;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const [pending, stale] = await Promise.all([api.trackerSyncStatus(idOrSlug, 'pending'), api.trackerSyncStatus(idOrSlug, 'stale')]);
      replace(error);
      const summary = pending.summary;
      replace(counts, [['in_sync', 'In sync', 'badge-ok'], ['pending', 'Pending', 'badge-neutral'], ['stale', 'Stale', 'badge-warning']]
        .map(([state, label, badge]) => h('span', { class: `badge ${badge} badge-gap`, 'data-count': state }, `${label}: ${summary[state] ?? 0}`)));
      const devices = [...pending.devices, ...stale.devices];
      const more = (pending.meta?.total_pages ?? 1) > 1 || (stale.meta?.total_pages ?? 1) > 1;
      replace(table, devices.length === 0
        ? h('p', { class: 'muted', 'data-role': 'all-in-sync' }, 'Every device runs its current settings.')
        : [h('table', { class: 'table', 'aria-label': 'Devices not in sync' },
          h('thead', {}, h('tr', {}, ['Device ID', 'State', 'Since', 'Runs', 'Should run', 'Settings'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, devices.map((device) => h('tr', { dataset: { deviceId: device.id, state: device.state } },
            h('td', {}, deviceIdCode(device.id)),
            h('td', {}, device.state === 'pending' ? 'Pending (sent, not acknowledged)' : 'Stale (offline: sent at its next connection)'),
            h('td', { class: 'col-time' }, device.since ? timeAgo(device.since) : 'defaults, never changed'),
            h('td', { class: 'mono' }, device.reported_checksum ?? 'nothing reported'),
            h('td', { class: 'mono' }, device.checksum),
            h('td', {}, device.source === 'device' ? 'its own' : 'the fleet\'s'))))),
        more && h('p', { class: 'muted' }, 'Only the first 100 of each state are listed.')]);
    } catch (failure) {
      replace(error, `The sync state could not be loaded: ${failure.message}`);
    } finally {
      busy = false;
    }
  }
  return { element, refresh };
}
