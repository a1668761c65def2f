// The Asset Tracker cmd box: JSON commands to the firmware's `cmd` function, such as
// {"cmd":"get_loc"} or {"cmd":"enter_shipping"}. Tracker firmware answers 0 on success and -22
// (EINVAL) for JSON it cannot parse; the box checks the JSON first and answers -22 itself without
// sending anything, so a typo never costs a cellular round trip.

import { api } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';

/** What the tracker firmware returns for invalid input (-EINVAL). */
export const INVALID_JSON = -22;
const PRESETS = ['{"cmd":"get_loc"}', '{"cmd":"enter_shipping"}'];

/** The command a text is, or null when it is not a JSON object with a string "cmd". */
export function parseCommand(text) {
  try {
    const parsed = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && typeof parsed.cmd === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/** The card, for a device that registered the `cmd` function. */
export function cmdCard(deviceId) {
  const input = h('textarea', {
    id: 'tracker-cmd', class: 'input textarea', name: 'cmd', rows: 3, spellcheck: 'false', autocomplete: 'off',
    placeholder: '{"cmd":"get_loc"}',
  });
  const result = h('output', { class: 'result', for: 'tracker-cmd', 'aria-live': 'polite', 'data-role': 'cmd-result' });
  const send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'send-cmd' }, 'Send');
  const presets = PRESETS.map((text) => h('button', {
    type: 'button', class: 'btn btn-secondary', dataset: { preset: JSON.parse(text).cmd },
    onclick: () => { input.value = text; input.focus(); },
  }, JSON.parse(text).cmd));
  const form = h('form', { class: 'cmd-form', 'data-role': 'cmd-box' },
    h('label', { for: 'tracker-cmd', class: 'muted small' }, 'JSON command'),
    input,
    h('div', { class: 'call-controls' }, ...presets, send),
    result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (parseCommand(text) === null) {
      result.dataset.state = 'error';
      replace(result, h('span', { class: 'result-label' }, 'Returned'), h('code', { class: 'result-value' }, String(INVALID_JSON)),
        ' Not a JSON object with a "cmd": nothing was sent.');
      return;
    }
    send.disabled = true;
    result.dataset.state = 'pending';
    replace(result, h('span', { class: 'muted' }, 'Waiting for the device…'));
    try {
      const answer = await api.call(deviceId, 'cmd', text);
      result.dataset.state = answer.return_value === 0 ? 'ok' : 'error';
      replace(result, h('span', { class: 'result-label' }, 'Returned'), h('code', { class: 'result-value' }, String(answer.return_value)),
        answer.return_value === 0 ? ' Done.' : ' The device refused the command.');
    } catch (failure) {
      result.dataset.state = 'error';
      replace(result, failure.message);
    } finally {
      send.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'cmd-title', 'data-role': 'cmd-card' },
    h('header', { class: 'card-header' },
      h('h2', { id: 'cmd-title', class: 'card-title' }, 'Command'),
      h('p', { class: 'muted card-lead' }, 'Send a JSON command to the tracker firmware; get_loc makes it publish its location now.')),
    h('div', { class: 'card-body' }, form));
}
