// Pieces the pages share: the online badge, the live-updates indicator, the unclaim confirmation.

import { api } from './api.js';
import { h, icon, replace } from './dom.js';

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
export function confirmUnclaim(device, onUnclaimed) {
  const name = device.name ?? device.id;
  const error = h('div', { class: 'form-error', role: 'alert' });
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel' }, 'Cancel');
  const confirm = h('button', { type: 'submit', class: 'btn btn-danger', 'data-action': 'confirm-unclaim' }, 'Unclaim device');
  const form = h('form', { class: 'dialog-body' },
    h('h2', { id: 'unclaim-title', class: 'dialog-title' }, `Unclaim ${name}?`),
    h('p', { id: 'unclaim-text' },
      'The device leaves your account: its name and notes are cleared, and anyone with its ID can claim it. ',
      'The device itself keeps running.'),
    device.cellular && h('div', { class: 'callout callout-warning', 'data-role': 'sim-billing-warning' },
      icon('warning', 'callout-icon'),
      h('div', {},
        h('strong', {}, 'SIM billing continues. '),
        'Unclaiming a cellular device removes it from your account but does not stop billing: the claim and the SIM ',
        'are separate. To stop billing, also pause or release ownership of its SIM.')),
    error,
    h('div', { class: 'dialog-actions' }, cancel, confirm));
  const dialog = h('dialog', {
    class: 'dialog', 'aria-labelledby': 'unclaim-title', 'aria-describedby': 'unclaim-text',
  }, form);

  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    confirm.disabled = true;
    confirm.textContent = 'Unclaiming…';
    replace(error);
    try {
      await api.unclaim(device.id);
      dialog.close();
      onUnclaimed();
    } catch (failure) {
      replace(error, failure.message);
      confirm.disabled = false;
      confirm.textContent = 'Unclaim device';
    }
  });

  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
}
