// What the Integrations pages compute, kept apart from the DOM: an integration's target, the JSON a
// form sends, where a template's JSON is broken, and the hourly series a sparkline draws.

export const TYPES = {
  Webhook: 'Webhook',
  AzureIotHub: 'Azure IoT Hub',
  GoogleCloudPubSub: 'Google Cloud Pub/Sub',
};

/** The settings the API answers besides the integration's own (never sent back on a replace). */
const READ_ONLY = ['id', 'created_at', 'updated_at', 'hookUrl', 'ok'];

/** Particle's default JSON body: what the JSON request format sends when no template is given. */
export const DEFAULT_JSON = {
  event: '{{{PARTICLE_EVENT_NAME}}}',
  data: '{{{PARTICLE_EVENT_VALUE}}}',
  coreid: '{{{PARTICLE_DEVICE_ID}}}',
  published_at: '{{{PARTICLE_PUBLISHED_AT}}}',
};

/** Where an integration sends: the URL's host (and port), the Azure hub, the Pub/Sub topic. */
export function targetOf(integration) {
  if (integration.integration_type === 'AzureIotHub') return integration.hub_name ? `${integration.hub_name}.azure-devices.net` : 'Azure IoT Hub';
  if (integration.integration_type === 'GoogleCloudPubSub') return integration.topic ?? 'Pub/Sub topic';
  try {
    return new URL(integration.url).host || integration.url;
  } catch {
    return integration.url ?? ''; // a templated host, such as https://{{host}}/path
  }
}

/**
 * Parses `text` as JSON: {value} or {error} with the line and column of the problem when the
 * browser's message names a position ("... at position 17").
 */
export function parseJson(text) {
  try {
    return { value: JSON.parse(text) };
  } catch (failure) {
    const message = String(failure.message);
    const at = /position (\d+)/.exec(message);
    if (!at) return { error: message };
    const position = Number(at[1]);
    const before = text.slice(0, position).split('\n');
    const line = before.length;
    const column = before[before.length - 1].length + 1;
    return { error: `${message.replace(/ \(line \d+ column \d+\)$/, '')} (line ${line}, column ${column})`, line, column, position };
  }
}

/** An integration as a replace sends it back: its own settings, masked secrets as shown (the API keeps those). */
export function editable(integration) {
  const body = {};
  for (const [key, value] of Object.entries(integration)) {
    if (!READ_ONLY.includes(key) && value !== null && value !== undefined) body[key] = value;
  }
  return body;
}

/** [{name, value}] rows to an object; rows without a name are left out. */
export function pairs(rows) {
  const out = {};
  for (const { name, value } of rows) {
    if (name.trim()) out[name.trim()] = value;
  }
  return out;
}

/**
 * The JSON a Webhook form sends. `values`: {event, name, url, requestType, format ('form' | 'json' |
 * 'query' | 'body'), template (text for the format's advanced template), headers [{name, value}],
 * username, password, deviceID, responseTopic, errorResponseTopic, responseTemplate, noDefaults,
 * rejectUnauthorized, disabled}. Answers {body} or {error, field}.
 */
export function webhookBody(values) {
  const body = {
    integration_type: 'Webhook', event: values.event.trim(), url: values.url.trim(), requestType: values.requestType,
    disabled: Boolean(values.disabled),
  };
  if (values.name?.trim()) body.name = values.name.trim();
  if (values.deviceID) body.deviceID = values.deviceID;
  const template = values.template?.trim() ?? '';
  if (values.format === 'json') {
    if (template) {
      const parsed = parseJson(template);
      // a JSON template that is not JSON itself (an unquoted {{{value}}}) goes as text, as the API takes it
      body.json = parsed.error === undefined ? parsed.value : template;
    } else {
      body.json = DEFAULT_JSON;
    }
  } else if (values.format === 'form' || values.format === 'query') {
    if (template) {
      const parsed = parseJson(template);
      if (parsed.error !== undefined) return { error: `The ${values.format} template is not JSON: ${parsed.error}`, field: 'template' };
      if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
        return { error: `The ${values.format} template must be a JSON object of names and values`, field: 'template' };
      }
      body[values.format] = parsed.value;
    }
  } else if (values.format === 'body') {
    body.body = values.template ?? '';
  }
  const headers = pairs(values.headers ?? []);
  if (Object.keys(headers).length) body.headers = headers;
  if (values.username) body.auth = { username: values.username, password: values.password ?? '' };
  for (const key of ['responseTopic', 'errorResponseTopic', 'responseTemplate']) {
    if (values[key]?.trim()) body[key] = values[key].trim();
  }
  if (values.noDefaults) body.noDefaults = true;
  if (values.rejectUnauthorized === false) body.rejectUnauthorized = false;
  return { body };
}

/** The request format a stored webhook was made with, and its template as the form's text. */
export function formatOf(integration) {
  if (integration.json !== undefined) {
    const same = JSON.stringify(integration.json) === JSON.stringify(DEFAULT_JSON);
    return { format: 'json', template: same ? '' : typeof integration.json === 'string' ? integration.json : JSON.stringify(integration.json, null, 2) };
  }
  if (integration.form !== undefined) return { format: 'form', template: JSON.stringify(integration.form, null, 2) };
  if (integration.body !== undefined) return { format: 'body', template: integration.body };
  if (integration.query !== undefined) return { format: 'query', template: JSON.stringify(integration.query, null, 2) };
  return { format: 'form', template: '' };
}

/**
 * The last `hours` UTC hours ending with the current one, oldest first, each {hour (ms), success,
 * error, skipped, throttled}; hours the API has no row for count zero.
 */
export function hourlySeries(counts, now = Date.now(), hours = 24) {
  const HOUR = 3600_000;
  const last = Math.floor(now / HOUR) * HOUR;
  const byHour = new Map((counts ?? []).map((row) => [Math.floor(new Date(row.hour).getTime() / HOUR) * HOUR, row]));
  const series = [];
  for (let i = hours - 1; i >= 0; i--) {
    const hour = last - i * HOUR;
    const row = byHour.get(hour);
    series.push({
      hour, success: row?.success ?? 0, error: row?.error ?? 0, skipped: row?.skipped ?? 0, throttled: row?.throttled ?? 0,
    });
  }
  return series;
}

/** Sums a series' counts: {success, error, skipped, throttled}. */
export function totals(series) {
  const sum = { success: 0, error: 0, skipped: 0, throttled: 0 };
  for (const row of series) {
    for (const key of Object.keys(sum)) sum[key] += row[key];
  }
  return sum;
}

/**
 * Stacked bars for a series in a `width` x `height` box: per hour, a success bar from the bottom
 * and an error bar on top of it, scaled to the busiest hour. [{x, width, success: {y, height},
 * error: {y, height}, row}].
 */
export function sparkBars(series, width, height) {
  const peak = Math.max(1, ...series.map((row) => row.success + row.error));
  const slot = width / Math.max(1, series.length);
  const barWidth = Math.max(1, slot - 1);
  return series.map((row, i) => {
    const okHeight = (row.success / peak) * height;
    const errorHeight = (row.error / peak) * height;
    return {
      x: i * slot, width: barWidth, row,
      success: { y: height - okHeight, height: okHeight },
      error: { y: height - okHeight - errorHeight, height: errorHeight },
    };
  });
}

/** Attempt outcomes as the log filter offers them; `error` is either failure. */
export const OUTCOMES = {
  all: () => true,
  success: (attempt) => attempt.outcome === 'success',
  error: (attempt) => attempt.outcome !== 'success',
  retry: (attempt) => attempt.outcome === 'retry',
  dead: (attempt) => attempt.outcome === 'dead',
};
