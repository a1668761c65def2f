// The Console's modal dialogs: one confirmation for every destructive action (never window.confirm,
// which cannot be styled, names no consequence in the page's words, and blocks the page's script), a
// typed confirmation for the irreversible ones, and the focus rules every dialog keeps: Tab stays
// inside while it is open, and the focus goes back where it was when it closes.

import { h, replace } from './dom.js';

let dialogs = 0;

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), '
  + 'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keeps Tab and Shift+Tab cycling through `container`'s controls; returns the function that stops it. */
export function trapFocus(container) {
  const onKey = (event) => {
    if (event.key !== 'Tab') return;
    const controls = [...container.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
    if (controls.length === 0) {
      event.preventDefault();
      return;
    }
    const first = controls[0];
    const last = controls[controls.length - 1];
    const inside = container.contains(document.activeElement);
    if (event.shiftKey && (document.activeElement === first || !inside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
      event.preventDefault();
      first.focus();
    }
  };
  container.addEventListener('keydown', onKey);
  return () => container.removeEventListener('keydown', onKey);
}

/**
 * Shows a page's own <dialog> modally, with the focus trapped in it and given back where it was once it
 * closes (the dialog removes itself then).
 *
 * @param focus the control to focus first (default: the first one)
 */
export function showModal(dialog, focus = null) {
  const before = document.activeElement;
  const release = trapFocus(dialog);
  dialog.addEventListener('close', () => {
    release();
    dialog.remove();
    if (before instanceof HTMLElement && before.isConnected) before.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  (focus ?? dialog.querySelector(FOCUSABLE))?.focus();
  return dialog;
}

/** A modal <dialog> around `body` (nodes), shown as showModal() shows it; Escape closes it. */
export function openDialog({ label, body, focus = null }) {
  return showModal(h('dialog', { class: 'dialog', 'aria-label': label, 'data-role': 'dialog' }, body), focus);
}

/**
 * Asks before an action, in the page's words. Resolves true once confirmed (and, with `action`, once the
 * action succeeded: its failure is shown in the dialog, which stays open for another try), false when
 * cancelled (Cancel, Escape).
 *
 * @param typed a text the user must type before the confirm button works (a product's name before
 *     deleting it): for what cannot be undone
 * @param extra more nodes under the text (a warning)
 * @param action optional async work done while the dialog shows "…"; its error message is shown
 */
export function confirmDialog({
  title, text = null, confirmLabel = 'Confirm', confirmAction = 'confirm', danger = true, typed = null, action = null, extra = null,
}) {
  const id = `dialog-${++dialogs}`;
  return new Promise((resolve) => {
    let confirmed = false;
    const error = h('div', { class: 'form-error', role: 'alert' });
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel' }, 'Cancel');
    const confirm = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, 'data-action': confirmAction }, confirmLabel);
    const input = typed === null ? null : h('input', {
      class: 'input', id: `${id}-typed`, autocomplete: 'off', spellcheck: 'false', 'data-role': 'dialog-typed',
    });
    const form = h('form', { class: 'dialog-body' },
      h('h2', { id: `${id}-title`, class: 'dialog-title' }, title),
      text && h('p', { id: `${id}-text` }, text),
      extra,
      input && h('div', { class: 'field' },
        h('label', { for: input.id }, 'Type ', h('strong', {}, typed), ' to confirm'),
        input),
      error,
      h('div', { class: 'dialog-actions' }, cancel, confirm));
    const dialog = openDialog({ label: title, body: form, focus: input ?? cancel });
    dialog.setAttribute('aria-labelledby', `${id}-title`);
    if (text) dialog.setAttribute('aria-describedby', `${id}-text`);
    dialog.dataset.role = 'confirm-dialog';

    const matches = () => input === null || input.value.trim() === typed;
    confirm.disabled = !matches();
    input?.addEventListener('input', () => {
      confirm.disabled = !matches();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => resolve(confirmed));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!matches()) return;
      if (action) {
        confirm.disabled = true;
        const label = confirm.textContent;
        confirm.textContent = `${label}…`;
        replace(error);
        try {
          await action();
        } catch (failure) {
          replace(error, failure.message);
          confirm.disabled = false;
          confirm.textContent = label;
          return;
        }
      }
      confirmed = true;
      dialog.close();
    });
  });
}
