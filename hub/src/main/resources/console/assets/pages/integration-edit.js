// Creating or changing an integration: a form per type (Webhook, Azure IoT Hub, Google Cloud Pub/Sub)
// and a Custom template mode that edits the integration's JSON itself, checked before anything is sent.
// Secrets are shown as the API masks them; a masked header or auth value sent back unchanged keeps the
// stored one (docs/api.md, "Secrets"), so they travel only when changed. Azure's policy key and a
// service account key are sealed and must be given whole to save a change.

import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { editable, formatOf, parseJson, TYPES, webhookBody } from '../lib/integrations.js';
import { integrationScope } from './integrations.js';

const MODES = { ...TYPES, custom: 'Custom template' };

/** /integrations/new and /products/:p/integrations/new */
export function newIntegrationPage(main, { params, shell, navigate }) {
  return open(main, { scope: integrationScope(params[0] ?? null, shell), id: null, shell, navigate });
}

/** /integrations/:id/edit and /products/:p/integrations/:id/edit */
export function editIntegrationPage(main, { params, shell, navigate }) {
  return open(main, { scope: integrationScope(params.length > 1 ? params[0] : null, shell), id: params[params.length - 1], shell, navigate });
}

function open(main, { scope, id, shell, navigate }) {
  shell.setTrail(scope.trail(...(id ? [{ label: id, href: `${scope.base}/${encodeURIComponent(id)}` }, { label: 'Edit' }] : [{ label: 'New' }])));
  let alive = true;
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, id ? 'Edit integration' : 'New integration'),
        h('p', { class: 'page-subtitle' }, 'Events whose name starts with the prefix are sent to the target as they arrive.'))),
    body);

  Promise.all([id ? api.integration(scope.product, id).then((a) => a.integration) : null, scope.may, devicesOf(scope.product)])
    .then(([integration, may, devices]) => {
      if (!alive) return;
      if (!may) {
        replace(body, h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'not-allowed' },
          'Your role in this product may read integrations but not create or change them.'));
        return;
      }
      replace(body, editor(scope, integration, devices, (saved) => navigate(`${scope.base}/${encodeURIComponent(saved)}`)));
    })
    .catch((failure) => {
      if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'integration-error' }, failure.message));
    });
  return () => {
    alive = false;
  };
}

/** The caller's devices for the device filter: the sandbox's own, or the first page of the product's fleet. */
function devicesOf(product) {
  const named = (list) => list.map((d) => ({ id: d.id, name: d.name }));
  return (product ? api.productDevices(product, { per_page: 100 }).then((a) => named(a.devices)) : api.devices().then(named)).catch(() => []);
}

function editor(scope, integration, devices, saved) {
  const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'form-error' });
  const slot = h('div', { class: 'stack' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'save-integration' }, integration ? 'Save' : 'Create integration');
  const type = integration?.integration_type ?? 'Webhook';
  let current = null;

  const tabs = h('div', { class: 'mode-tabs', role: 'radiogroup', 'aria-label': 'Integration type' },
    Object.entries(MODES).filter(([mode]) => !integration || mode === type || mode === 'custom').map(([mode, label]) => {
      const input = h('input', { type: 'radio', name: 'mode', value: mode, id: `mode-${mode}`, checked: mode === type, 'data-mode': mode });
      input.addEventListener('change', () => show(mode));
      return h('label', { class: 'choice', for: input.id }, input, h('span', { class: 'choice-label' }, label));
    }));

  function show(mode) {
    replace(error);
    // the custom template starts from what the form holds so far, when the form makes a whole integration
    const typed = mode === 'custom' && current ? current.body().body : undefined;
    current = mode === 'custom' ? customForm(integration, type, typed) : mode === 'Webhook' ? webhookForm(integration, devices, scope.product)
      : mode === 'AzureIotHub' ? azureForm(integration, devices, scope.product) : pubSubForm(integration, devices, scope.product);
    replace(slot, current.el);
  }

  const form = h('form', { class: 'stack', 'data-role': 'integration-form', novalidate: true },
    h('section', { class: 'card card-body stack-sm' }, h('h2', { class: 'card-title' }, 'Type'), tabs),
    slot, error,
    h('div', { class: 'form-footer' },
      h('a', { class: 'btn btn-secondary', href: integration ? `${scope.base}/${encodeURIComponent(integration.id)}` : scope.base }, 'Cancel'), submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    const built = current.body();
    if (built.error) {
      replace(error, built.error);
      return; // nothing is sent
    }
    submit.disabled = true;
    try {
      const answer = integration
        ? (await api.replaceIntegration(scope.product, integration.id, built.body)).integration
        : await api.createIntegration(scope.product, built.body);
      saved(answer.id);
    } catch (failure) {
      replace(error, failure.message); // the API's own words: which field, and why
      submit.disabled = false;
    }
  });
  show(type);
  return form;
}

// ---- the forms: each answers {el, body()}; body() is {body} or {error}

let fieldIds = 0;
function field(label, input, hint) {
  const id = input.id || `f-${++fieldIds}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint && h('p', { class: 'hint' }, hint));
}

const text = (name, value = '', props = {}) => h('input', { class: 'input', 'data-field': name, value: value ?? '', autocomplete: 'off', spellcheck: 'false', ...props });

function deviceField(devices, chosen, product) {
  if (product) {
    const list = h('datalist', { id: 'device-options' }, devices.map((d) => h('option', { value: d.id }, d.name ?? d.id)));
    const input = text('deviceID', chosen ?? '', { list: 'device-options', class: 'input input-mono', placeholder: 'Any device of the product' });
    return { el: [field('Device', input, 'Empty: every device of the product; or one device ID.'), list], value: () => input.value.trim() };
  }
  const select = h('select', { class: 'input', 'data-field': 'deviceID' },
    h('option', { value: '' }, 'Any device'),
    devices.map((d) => h('option', { value: d.id, selected: d.id === chosen }, d.name ? `${d.name} (${d.id})` : d.id)),
    chosen && !devices.some((d) => d.id === chosen) && h('option', { value: chosen, selected: true }, chosen));
  return { el: field('Device', select), value: () => select.value };
}

function statusField(integration) {
  const box = h('input', { type: 'checkbox', 'data-field': 'disabled', checked: Boolean(integration?.disabled) });
  return { el: h('label', { class: 'check' }, box, ' Paused: matching events are counted as skipped and not sent'), value: () => box.checked };
}

function webhookForm(integration, devices, product) {
  const w = integration?.integration_type === 'Webhook' ? integration : null;
  const { format, template } = w ? formatOf(w) : { format: 'form', template: '' };
  const event = text('event', w?.event ?? integration?.event, { maxlength: 64, required: true });
  const name = text('name', w?.name ?? integration?.name, { maxlength: 200 });
  const url = text('url', w?.url, { type: 'url', placeholder: 'https://example.com/hook', required: true });
  const method = h('select', { class: 'input', 'data-field': 'requestType' },
    ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m, selected: (w?.requestType ?? 'POST') === m }, m)));
  const formats = { form: 'Web form', json: 'JSON', query: 'Query parameters', body: 'Custom body' };
  const formatSelect = h('select', { class: 'input', 'data-field': 'format' },
    Object.entries(formats).map(([value, label]) => h('option', { value, selected: value === format }, label)));
  const templateInput = h('textarea', { class: 'input textarea input-mono', 'data-field': 'template', spellcheck: 'false' });
  templateInput.value = template;
  const templateHint = h('p', { class: 'hint' });
  const hintFor = () => {
    templateHint.textContent = {
      form: 'A JSON object of form fields and their mustache templates; empty: Particle\'s default fields.',
      json: 'The JSON body, with mustache templates such as {{{PARTICLE_EVENT_VALUE}}}; empty: Particle\'s default JSON.',
      query: 'A JSON object of query parameters and their templates.',
      body: 'The request body as text, with mustache templates.',
    }[formatSelect.value];
  };
  formatSelect.addEventListener('change', hintFor);
  hintFor();

  const headerRows = h('div', { class: 'stack-sm', 'data-role': 'header-rows' });
  const headers = [];
  const addHeader = (headerName = '', value = '', shownMasked = false) => {
    const n = text('header-name', headerName, { 'aria-label': 'Header name', placeholder: 'Name' });
    const v = text('header-value', value, { 'aria-label': 'Header value', placeholder: 'Value' });
    if (shownMasked) v.title = 'Stored sealed and shown masked; leave as is to keep it, or type a new value';
    const entry = { name: n, value: v };
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': 'Remove header' }, 'Remove');
    const rowEl = h('div', { class: 'pair-row', 'data-role': 'header-row' }, n, v, remove);
    remove.addEventListener('click', () => {
      headers.splice(headers.indexOf(entry), 1);
      rowEl.remove();
    });
    headers.push(entry);
    headerRows.append(rowEl);
  };
  for (const [key, value] of Object.entries(w?.headers ?? {})) addHeader(key, value, true);
  const username = text('username', w?.auth?.username);
  const password = text('password', w?.auth?.password, { type: w?.auth ? 'text' : 'password' });
  const responseTopic = text('responseTopic', w?.responseTopic, { placeholder: 'hook-response/{{PARTICLE_EVENT_NAME}}' });
  const errorTopic = text('errorResponseTopic', w?.errorResponseTopic);
  const responseTemplate = h('textarea', { class: 'input textarea input-mono', 'data-field': 'responseTemplate', spellcheck: 'false' });
  responseTemplate.value = typeof w?.responseTemplate === 'string' ? w.responseTemplate : w?.responseTemplate ? JSON.stringify(w.responseTemplate) : '';
  const includeDefaults = h('input', { type: 'checkbox', 'data-field': 'includeDefaults', checked: !w?.noDefaults });
  const enforceTls = h('input', { type: 'checkbox', 'data-field': 'rejectUnauthorized', checked: w?.rejectUnauthorized !== false });
  const device = deviceField(devices, integration?.deviceID, product);
  const status = statusField(integration);

  const el = h('div', { class: 'stack', 'data-role': 'webhook-form' },
    h('section', { class: 'card card-body stack' },
      h('h2', { class: 'card-title' }, 'Webhook'),
      field('Event name', event, 'A prefix: "temp" matches temp, temperature and temp/kitchen. Case-sensitive.'),
      field('URL', url, 'http:// or https://; mustache templates allowed, such as https://example.com/{{PARTICLE_DEVICE_ID}}.'),
      h('div', { class: 'field-row' }, field('Method', method), field('Request format', formatSelect)),
      device.el,
      field('Name (optional)', name),
      status.el),
    h('details', { class: 'card card-body', 'data-role': 'advanced' },
      h('summary', { class: 'card-title' }, 'Advanced settings'),
      h('div', { class: 'stack details-body' },
      field('Template for the request format', templateInput), templateHint,
      h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Headers'), headerRows,
        h('div', {}, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'add-header', onclick: () => addHeader() }, 'Add header')),
        h('p', { class: 'hint' }, 'Values are stored sealed and shown masked; a masked value left as is keeps what is stored.')),
      h('div', { class: 'field-row' }, field('Basic auth user', username), field('Basic auth password', password)),
      h('label', { class: 'check' }, includeDefaults, ' Include Particle\'s default data (event, data, coreid, published_at)'),
      h('label', { class: 'check' }, enforceTls, ' Check the target\'s TLS certificate'),
      field('Response topic', responseTopic, 'The event the answer is published as; empty: hook-response/<event>.'),
      field('Error response topic', errorTopic),
      field('Response template', responseTemplate))));
  if (w && (template || Object.keys(w.headers ?? {}).length || w.auth || w.responseTopic || w.responseTemplate || w.noDefaults)) {
    el.querySelector('details').open = true;
  }

  return {
    el,
    body() {
      if (!event.value.trim()) return { error: 'The event name is required.' };
      if (!url.value.trim()) return { error: 'The URL is required.' };
      const built = webhookBody({
        event: event.value, name: name.value, url: url.value, requestType: method.value, format: formatSelect.value, template: templateInput.value,
        headers: headers.map((e) => ({ name: e.name.value, value: e.value.value })), username: username.value.trim(), password: password.value,
        deviceID: device.value(), responseTopic: responseTopic.value, errorResponseTopic: errorTopic.value, responseTemplate: responseTemplate.value,
        noDefaults: !includeDefaults.checked, rejectUnauthorized: enforceTls.checked, disabled: status.value(),
      });
      // settings this form has no field for are kept as they were: a replace never merges
      for (const key of ['unchunked', 'dataUrlResponseEvent']) {
        if (built.body && w?.[key] !== undefined) built.body[key] = w[key];
      }
      return built;
    },
  };
}

/** The optional JSON template of Azure and Pub/Sub: an object, or a template text that is not JSON. */
function jsonTemplate(input) {
  const raw = input.value.trim();
  if (!raw) return undefined;
  const parsed = parseJson(raw);
  return parsed.error === undefined ? parsed.value : raw;
}

function azureForm(integration, devices, product) {
  const a = integration?.integration_type === 'AzureIotHub' ? integration : null;
  const event = text('event', a?.event ?? integration?.event, { maxlength: 64 });
  const name = text('name', a?.name ?? integration?.name, { maxlength: 200 });
  const hub = text('hub_name', a?.hub_name, { placeholder: 'my-hub', maxlength: 50 });
  const policy = text('policy_name', a?.policy_name, { placeholder: 'iothubowner', maxlength: 64 });
  const key = text('policy_key', '', { type: 'password', placeholder: a ? `stored: ${a.policy_key ?? ''}` : 'base64 key as Azure shows it' });
  const json = h('textarea', { class: 'input textarea input-mono', 'data-field': 'json', spellcheck: 'false' });
  json.value = a?.json ? (typeof a.json === 'string' ? a.json : JSON.stringify(a.json, null, 2)) : '';
  const device = deviceField(devices, integration?.deviceID, product);
  const status = statusField(integration);
  return {
    el: h('section', { class: 'card card-body stack', 'data-role': 'azure-form' },
      h('h2', { class: 'card-title' }, 'Azure IoT Hub'),
      field('Event name', event), field('IoT Hub name', hub, '3 to 50 letters, digits or -; the hub\'s host is <name>.azure-devices.net.'),
      field('Shared access policy name', policy),
      field('Policy key', key, a ? 'Stored sealed and never shown back: give it again to save a change.' : 'Stored sealed; never shown back.'),
      field('JSON template (optional)', json), device.el, field('Name (optional)', name), status.el),
    body() {
      if (!event.value.trim()) return { error: 'The event name is required.' };
      if (!key.value.trim()) return { error: 'The policy key is required (a change needs it again: it is stored sealed).' };
      const body = {
        integration_type: 'AzureIotHub', event: event.value.trim(), hub_name: hub.value.trim(), policy_name: policy.value.trim(),
        policy_key: key.value.trim(), disabled: status.value(),
      };
      if (name.value.trim()) body.name = name.value.trim();
      if (device.value()) body.deviceID = device.value();
      const template = jsonTemplate(json);
      if (template !== undefined) body.json = template;
      return { body };
    },
  };
}

function pubSubForm(integration, devices, product) {
  const g = integration?.integration_type === 'GoogleCloudPubSub' ? integration : null;
  const event = text('event', g?.event ?? integration?.event, { maxlength: 64 });
  const name = text('name', g?.name ?? integration?.name, { maxlength: 200 });
  const topic = text('topic', g?.topic, { placeholder: 'projects/my-project/topics/my-topic' });
  const key = h('textarea', { class: 'input textarea input-mono', 'data-field': 'service_account_key', spellcheck: 'false',
    placeholder: g ? `stored: the key of ${g.service_account_key?.client_email ?? 'a service account'}` : '{"type": "service_account", ...}' });
  const json = h('textarea', { class: 'input textarea input-mono', 'data-field': 'json', spellcheck: 'false' });
  json.value = g?.json ? (typeof g.json === 'string' ? g.json : JSON.stringify(g.json, null, 2)) : '';
  const device = deviceField(devices, integration?.deviceID, product);
  const status = statusField(integration);
  return {
    el: h('section', { class: 'card card-body stack', 'data-role': 'pubsub-form' },
      h('h2', { class: 'card-title' }, 'Google Cloud Pub/Sub'),
      field('Event name', event), field('Topic', topic, 'The topic\'s full name.'),
      field('Service account key (JSON)', key, 'The key file of a service account allowed to publish to the topic; stored sealed, never shown back.'),
      field('JSON template (optional)', json), device.el, field('Name (optional)', name), status.el),
    body() {
      if (!event.value.trim()) return { error: 'The event name is required.' };
      const parsedKey = parseJson(key.value.trim());
      if (!key.value.trim()) return { error: 'The service account key is required (a change needs it again: it is stored sealed).' };
      if (parsedKey.error !== undefined) return { error: `The service account key is not JSON: ${parsedKey.error}` };
      const body = {
        integration_type: 'GoogleCloudPubSub', event: event.value.trim(), topic: topic.value.trim(), service_account_key: parsedKey.value,
        disabled: status.value(),
      };
      if (name.value.trim()) body.name = name.value.trim();
      if (device.value()) body.deviceID = device.value();
      const template = jsonTemplate(json);
      if (template !== undefined) body.json = template;
      return { body };
    },
  };
}

/** The integration's JSON as the API takes it, edited as text; parsed here first, its error shown with line and column. */
function customForm(integration, type, typed) {
  const area = h('textarea', { class: 'input textarea input-mono template-editor', 'data-field': 'custom-json', spellcheck: 'false', rows: 18 });
  const sample = { integration_type: type, event: 'my-event', url: 'https://example.com/hook', requestType: 'POST', json: { value: '{{{PARTICLE_EVENT_VALUE}}}' } };
  area.value = JSON.stringify(typed ?? (integration ? editable(integration) : sample), null, 2);
  const problem = h('div', { class: 'field-error', role: 'alert', 'data-role': 'json-error' });
  const check = () => {
    const parsed = parseJson(area.value);
    replace(problem, parsed.error === undefined ? '' : `Not valid JSON: ${parsed.error}`);
    area.setAttribute('aria-invalid', String(parsed.error !== undefined));
    return parsed;
  };
  area.addEventListener('input', check);
  return {
    el: h('section', { class: 'card card-body stack-sm', 'data-role': 'custom-form' },
      h('h2', { class: 'card-title' }, 'Custom template'),
      h('p', { class: 'hint' }, 'The integration as JSON, as particle-cli\'s template files and the API take it. Secret values show masked; '
        + 'a masked header or auth value left as is keeps what is stored.'),
      h('label', { class: 'sr-only', for: 'custom-json' }, 'Integration JSON'),
      Object.assign(area, { id: 'custom-json' }), problem),
    body() {
      const parsed = check();
      if (parsed.error !== undefined) {
        area.focus();
        if (parsed.position !== undefined) area.setSelectionRange(parsed.position, parsed.position + 1);
        return { error: `The template is not valid JSON: ${parsed.error}` };
      }
      if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
        return { error: 'The template must be a JSON object.' };
      }
      return { body: parsed.value };
    },
  };
}
