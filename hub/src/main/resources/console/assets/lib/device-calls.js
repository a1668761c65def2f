// A device's functions and variables, as the account's device page and a product's show them: a form
// per function (Call, with an optional argument), a Get per variable. Where the call goes is the
// page's: `call(name, argument)` and `read(name)` answer as the API does.

import { h, replace } from './dom.js';

/**
 * Whether a function's return value reports success. Firmware answers a refusal with a negative
 * number (a Tracker's cmd answers -22 to JSON it cannot read, -1 is Particle's "failed" by
 * convention); zero and positive values are results.
 */
export function refused(returnValue) {
  return typeof returnValue !== 'number' || returnValue < 0;
}

/** The Functions card's body: a form per name, or the empty state. */
export function functionList(functions, call) {
  if (functions.length === 0) {
    return h('p', { class: 'card-empty' },
      'This device has declared no functions. They appear here when its firmware registers them with ',
      h('code', {}, 'Particle.function()'), ' and it connects.');
  }
  return h('div', { class: 'call-list' }, functions.map((name, index) => functionForm(name, index, call)));
}

/** The Variables card's body: a row per variable, or the empty state. */
export function variableList(variables, read) {
  const entries = Object.entries(variables);
  if (entries.length === 0) {
    return h('p', { class: 'card-empty' },
      'This device has declared no variables. They appear here when its firmware registers them with ',
      h('code', {}, 'Particle.variable()'), ' and it connects.');
  }
  return h('ul', { class: 'call-list' }, entries.map(([name, type]) => variableRow(name, type, read)));
}

function functionForm(name, index, call) {
  const inputId = `fn-${index}`;
  const input = h('input', {
    id: inputId, class: 'input', name: 'arg', placeholder: 'Argument (optional)', autocomplete: 'off', spellcheck: 'false',
  });
  const result = h('output', { class: 'result', for: inputId, 'aria-live': 'polite', 'data-role': 'function-result' });
  const button = h('button', { type: 'submit', class: 'btn btn-secondary', 'aria-label': `Call ${name}` }, 'Call');
  const form = h('form', { class: 'call-row fn-row', dataset: { function: name } },
    h('label', { for: inputId, class: 'call-name' }, h('code', {}, name)),
    h('div', { class: 'call-controls' }, input, button),
    result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    button.textContent = 'Calling…';
    result.dataset.state = 'pending';
    replace(result, h('span', { class: 'muted' }, 'Waiting for the device…'));
    try {
      const answer = await call(name, input.value);
      // a negative answer is the firmware refusing: never shown as a success
      const failed = refused(answer.return_value);
      result.dataset.state = failed ? 'refused' : 'ok';
      replace(result, h('span', { class: 'result-label' }, failed ? 'Refused' : 'Returned'),
        h('code', { class: 'result-value' }, String(answer.return_value)));
    } catch (failure) {
      result.dataset.state = 'error';
      replace(result, failure.message);
    } finally {
      button.disabled = false;
      button.textContent = 'Call';
    }
  });
  return form;
}

function variableRow(name, type, read) {
  const value = h('output', { class: 'result', 'aria-live': 'polite', 'data-role': 'variable-value' },
    h('span', { class: 'muted' }, 'Not read yet'));
  const get = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-label': `Get ${name}` }, 'Get');
  get.addEventListener('click', async () => {
    get.disabled = true;
    get.textContent = 'Reading…';
    value.dataset.state = 'pending';
    replace(value, h('span', { class: 'muted' }, 'Waiting for the device…'));
    try {
      const answer = await read(name);
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
