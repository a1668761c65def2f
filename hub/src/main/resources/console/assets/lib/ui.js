// Pieces the pages share: the online badge, the live-updates indicator, the unclaim confirmation,
// the Copy button and field for a secret shown once.

import { api } from './api.js';
import { confirmDialog } from './dialog.js';
import { h, icon } from './dom.js';

/** "Online" / "Offline" with its dot; `set(online)` changes it in place. */
export function statusBadge(online) {
  const label = h('span', { class: 'status-label' });
  const el = h('span', { class: 'status' }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }), label);
  const set = (value) => {
    el.dataset.online = String(Boolean(value));
    label.textContent = value ? 'Online' : 'Offline';
  };
  set(online);
  return { el, set };
}

const LIVE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

/** Whether the page is receiving live updates; `data-live` carries the state for tests and styles. */
export function liveIndicator() {
  const text = h('span', {});
  const el = h('span', { class: 'live', role: 'status', title: 'Online status updates as devices connect and disconnect' },
    h('span', { class: 'live-dot', 'aria-hidden': 'true' }), text);
  const set = (state) => {
    el.dataset.live = state;
    text.textContent = LIVE_TEXT[state] ?? state;
  };
  set('connecting');
  return { el, set };
}

/**
 * Asks before unclaiming, in a modal dialog (Esc or Cancel closes it). A cellular device's dialog
 * warns that its SIM goes on being billed: the claim and the SIM are separate.
 *
 * @param onUnclaimed called once the API has unclaimed the device
 */
export async function confirmUnclaim(device, onUnclaimed) {
  const unclaimed = await confirmDialog({
    title: `Unclaim ${device.name ?? device.id}?`,
    text: 'The device leaves your account: its name and notes are cleared, and anyone with its ID can claim it. '
      + 'The device itself keeps running.',
    extra: device.cellular && h('div', { class: 'callout callout-warning', 'data-role': 'sim-billing-warning' },
      icon('warning', 'callout-icon'),
      h('div', {},
        h('strong', {}, 'SIM billing continues. '),
        'Unclaiming a cellular device removes it from your account but does not stop billing: the claim and the SIM ',
        'are separate. To stop billing, also pause or release ownership of its SIM.')),
    confirmLabel: 'Unclaim device',
    confirmAction: 'confirm-unclaim',
    action: () => api.unclaim(device.id),
  });
  if (unclaimed) onUnclaimed();
}

/**
 * A Copy button for a value shown once (a token, a secret): puts it on the clipboard and says so; where
 * the browser refuses, selects the full value in `field` so Ctrl+C takes it.
 */
export function copyButton(value, field = null) {
  const status = h('span', { class: 'save-status', role: 'status', 'data-role': 'copy-status' });
  const button = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'copy-secret' }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      status.textContent = 'Copied';
    } catch {
      status.textContent = 'Select and copy it: the browser did not allow copying';
      field?.select?.();
    }
  });
  return h('span', { class: 'copy-control' }, button, status);
}

/**
 * A secret shown once: the whole value in a read-only field (never cut off: as wide as the value, or
 * wrapped over lines when it is longer than a line, as a token is) with its Copy button.
 */
export function secretField(value, label) {
  const long = value.length > 48;
  const field = long
    ? h('textarea', {
      class: 'input input-mono textarea secret-field secret-field-long', readonly: true, 'aria-label': label, 'data-role': 'secret-value',
      rows: Math.ceil(value.length / 44), spellcheck: 'false',
    }, value)
    : h('input', {
      class: 'input input-mono secret-field', readonly: true, value, 'aria-label': label, 'data-role': 'secret-value', spellcheck: 'false',
    });
  // the CSSOM: style attributes are refused by the Content-Security-Policy
  if (!long) field.style.setProperty('width', `calc(${value.length + 1}ch + 26px)`);
  field.addEventListener('focus', () => field.select());
  return h('div', { class: 'secret-row' }, field, copyButton(value, field));
}
