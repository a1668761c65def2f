// Billing (the Console guide's "Managing your billing" to "Failed Payments"): the card on file and its
// UPDATE button, a banner while a payment has failed or the account is locked, each product the person
// owns with its plan, events this cycle, devices, team members and renewal date, and the invoices with
// their line items. A card number goes to the payment gateway only; the node gets its token.

import { api, ApiError, CONSOLE_HEADER } from '../lib/api.js';
import { cardProblem, cardDigits, money } from '../lib/card.js';
import { showModal } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
export const date = (iso) => (iso ? day.format(new Date(iso)) : '—');

export function billingPage(main, { shell }) {
  shell.setTrail([{ label: 'Billing' }]);
  let alive = true;
  const banner = h('div', { 'data-role': 'billing-banner', hidden: true });
  const card = h('section', { class: 'card', 'data-role': 'card', 'aria-label': 'Card on file' });
  const products = h('section', { 'data-role': 'billing-products', 'aria-label': 'Products' });
  const invoices = h('section', { 'data-role': 'invoices', 'aria-label': 'Invoices' });
  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Billing'),
        h('p', { class: 'page-subtitle' },
          'Each product you own is billed on its own plan and period, from the day it was created; only its fleet\'s devices count.'))),
    banner, card, products, invoices);

  async function load() {
    let status;
    let plans;
    try {
      [status, plans] = await Promise.all([api.billing(), api.billingPlans()]);
    } catch (failure) {
      if (alive) replace(products, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
      return;
    }
    if (!alive) return;
    // the banner every other page shows follows what this page learnt (a card update settles it)
    shell.refreshBillingNotice?.();
    showBanner(status);
    showCard(status);
    showProducts(status, plans);
    showInvoices(status);
  }

  function showBanner(status) {
    const failed = status.failed_payments ?? [];
    banner.hidden = !status.locked && failed.length === 0;
    if (banner.hidden) {
      replace(banner);
      return;
    }
    const update = h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-action': 'banner-update-card' }, 'Update card');
    update.addEventListener('click', () => cardDialog(status, load));
    const first = failed[0];
    const text = status.locked
      ? ['Your account is locked: update your card. ', 'The Console and the API refuse changes until a payment succeeds; ',
        'your products, devices and data are not deleted, and your devices keep working.']
      : [`A payment of ${money(first.total_cents, first.currency)} for ${first.product_name} failed `,
        `(attempt ${first.attempts} of ${status.max_attempts}). `,
        first.next_attempt_at ? `We will try again on ${date(first.next_attempt_at)}. ` : '',
        'Update your card to avoid an interruption.'];
    banner.dataset.locked = String(Boolean(status.locked));
    replace(banner, h('div', { class: `callout ${status.locked ? 'callout-error' : 'callout-warning'}`, role: 'alert' },
      icon('warning', 'callout-icon'),
      h('div', {}, h('strong', {}, status.locked ? 'Account locked. ' : 'Payment failed. '), ...text),
      update));
  }

  function showCard(status) {
    const on = status.card;
    const update = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'update-card' }, 'UPDATE');
    update.addEventListener('click', () => cardDialog(status, load));
    replace(card,
      h('div', { class: 'card-header' }, h('h2', { class: 'card-title' }, 'Credit card')),
      h('div', { class: 'card-body billing-card' },
        on
          ? h('p', { 'data-role': 'card-on-file' }, h('strong', {}, on.brand), ` ending ${on.last4}, expires `,
            `${String(on.exp_month).padStart(2, '0')}/${on.exp_year}`)
          : h('p', { class: 'muted', 'data-role': 'card-on-file' }, 'No card on file. Free plans need none.'),
        update));
  }

  function showProducts(status, plans) {
    if (status.products.length === 0) {
      replace(products, h('div', { class: 'card empty-state' },
        h('h2', { class: 'empty-title' }, 'No products of yours'),
        h('p', { class: 'empty-text muted' }, 'Products you create are billed here. Products you are a team member of are billed to their owner.')));
      return;
    }
    replace(products, h('div', { class: 'card table-card' },
      h('div', { class: 'table-scroll' },
        h('table', { class: 'table', 'aria-label': 'Billing status of your products' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Product'),
            h('th', { scope: 'col' }, 'Plan'),
            h('th', { scope: 'col' }, 'Outbound events this cycle'),
            h('th', { scope: 'col' }, 'Devices'),
            h('th', { scope: 'col' }, 'Team members'),
            h('th', { scope: 'col' }, 'Renews'),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, status.products.map((product) => {
            const change = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'change-plan' }, 'Change plan');
            change.addEventListener('click', () => planDialog(product, plans.plans, load));
            const plan = product.plan;
            return h('tr', { 'data-product-id': product.product_id },
              h('td', {}, h('a', { href: `/products/${encodeURIComponent(product.slug)}` }, product.name)),
              h('td', { 'data-role': 'plan' }, `${plan.label} `,
                h('span', { class: 'muted' }, `(${money(plan.price_cents, plan.currency)} ${plan.period === 'yearly' ? 'a year' : 'a month'})`)),
              h('td', { 'data-role': 'events' }, `${product.usage.events.toLocaleString()} of ${plan.included_events.toLocaleString()}`),
              h('td', { 'data-role': 'devices' }, `${product.usage.devices} of ${plan.device_limit}`),
              h('td', { 'data-role': 'members' }, plan.team_limit ? `${product.usage.team_members} of ${plan.team_limit}` : String(product.usage.team_members)),
              h('td', { 'data-role': 'renews' }, date(product.renews_at)),
              h('td', {}, change));
          }))))));
  }

  function showInvoices(status) {
    replace(invoices, invoiceList(status.invoices));
  }

  load();
  return () => {
    alive = false;
  };
}

/** Invoices, newest first, each opening onto its lines. */
export function invoiceList(list) {
  if (list.length === 0) {
    return h('p', { class: 'muted' }, 'No invoices yet: the first is issued when a product\'s first period closes.');
  }
  return [h('h2', { class: 'section-title' }, 'Invoices'),
    h('div', { class: 'card table-card' }, list.map((invoice) => h('details', { class: 'invoice', 'data-invoice-id': invoice.id },
      h('summary', {},
        h('span', { class: 'mono' }, `#${invoice.id}`), ' ',
        h('strong', {}, invoice.product_name), ' ',
        h('span', { class: 'muted' }, `${date(invoice.period_start)} – ${date(invoice.period_end)}`), ' ',
        h('span', { 'data-role': 'total' }, money(invoice.total_cents, invoice.currency)), ' ',
        h('span', { class: `badge ${invoice.status === 'paid' ? 'badge-success' : invoice.status === 'failed' ? 'badge-danger' : 'badge-neutral'}`,
          'data-role': 'status' }, invoice.status)),
      h('table', { class: 'table', 'aria-label': `Invoice ${invoice.id} lines` },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col' }, 'Quantity'), h('th', { scope: 'col' }, 'Amount'))),
        h('tbody', {}, invoice.lines.map((line) => h('tr', { 'data-kind': line.kind },
          h('td', {}, line.description), h('td', {}, line.quantity.toLocaleString()), h('td', {}, money(line.amount_cents, invoice.currency))))),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 2 }, `Due ${date(invoice.due_at)}`),
          h('th', {}, money(invoice.total_cents, invoice.currency))))))))];
}

/** The UPDATE button's dialog: checked here, tokenised by the gateway, then only the token goes to the node. */
function cardDialog(status, done) {
  const number = h('input', { id: 'card-number', class: 'input', inputmode: 'numeric', autocomplete: 'cc-number', required: true });
  const month = h('input', { id: 'card-exp-month', class: 'input', inputmode: 'numeric', autocomplete: 'cc-exp-month', placeholder: 'MM', size: 2 });
  const year = h('input', { id: 'card-exp-year', class: 'input', inputmode: 'numeric', autocomplete: 'cc-exp-year', placeholder: 'YYYY', size: 4 });
  const cvc = h('input', { id: 'card-cvc', class: 'input', inputmode: 'numeric', autocomplete: 'cc-csc', size: 4 });
  const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'card-error' });
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel' }, 'Cancel');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'save-card' }, 'Save card');
  const form = h('form', { class: 'dialog-body', novalidate: true },
    h('h2', { id: 'card-title', class: 'dialog-title' }, 'Update your credit card'),
    h('div', { class: 'field' }, h('label', { for: 'card-number' }, 'Card number'), number),
    h('div', { class: 'card-fields' },
      h('div', { class: 'field' }, h('label', { for: 'card-exp-month' }, 'Expiry month'), month),
      h('div', { class: 'field' }, h('label', { for: 'card-exp-year' }, 'Expiry year'), year),
      h('div', { class: 'field' }, h('label', { for: 'card-cvc' }, 'CVC'), cvc)),
    h('p', { class: 'hint' }, `The number goes to the payment gateway (${status.gateway?.name ?? 'test'}); this node keeps only the brand, `,
      'the last four digits, the expiry and the gateway\'s token. An unpaid invoice is charged at once.'),
    error,
    h('div', { class: 'dialog-actions' }, cancel, submit));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'card-title' }, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    const problem = cardProblem(number.value, month.value, year.value);
    if (problem) {
      replace(error, problem);
      number.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Saving…';
    try {
      const token = await tokenise(status.gateway?.tokenize_url ?? '/v1/billing/test_gateway/tokens', {
        number: cardDigits(number.value), exp_month: Number(month.value), exp_year: Number(year.value), cvc: cvc.value,
      });
      await api.updateCard(token);
      dialog.close();
      done();
    } catch (failure) {
      replace(error, failure.message);
      submit.disabled = false;
      submit.textContent = 'Save card';
    }
  });
  showModal(dialog, number);
}

/** The gateway's tokenising endpoint; the built-in test gateway's is on this node, under the same session. */
async function tokenise(url, card) {
  const response = await fetch(url, {
    method: 'POST',
    // the session cookie goes only to this node; the Console's header too (another origin's gateway would want a preflight for it)
    headers: { 'Content-Type': 'application/json', Accept: 'application/json',
      ...(new URL(url, location.href).origin === location.origin ? CONSOLE_HEADER : {}) },
    body: JSON.stringify(card),
    cache: 'no-store',
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.error ?? 'gateway_error', data?.error_description ?? 'The payment gateway refused the card');
  return data.id;
}

/** Change plan: at once, the rest of the period prorated on its invoice. */
export function planDialog(product, plans, done) {
  const choices = plans.filter((plan) => plan.self_service);
  const select = h('select', { id: 'plan-choice', class: 'input' }, choices.map((plan) => h('option', {
    value: plan.name, selected: plan.name === product.plan.name ? true : undefined,
  }, `${plan.label}: up to ${plan.device_limit} devices, ${plan.included_events.toLocaleString()} events, ${money(plan.price_cents, plan.currency)} `
    + `${plan.period === 'yearly' ? 'a year' : 'a month'}`)));
  const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'plan-error' });
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel' }, 'Cancel');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'save-plan' }, 'Change plan');
  const form = h('form', { class: 'dialog-body' },
    h('h2', { id: 'plan-title', class: 'dialog-title' }, `Plan of ${product.name}`),
    h('div', { class: 'field' }, h('label', { for: 'plan-choice' }, 'Plan'), select),
    h('p', { class: 'hint' }, 'The change takes effect at once. The difference in price for the rest of this period is a line of its invoice. ',
      'More than 250 devices need a plan the node\'s administrator sets.'),
    error,
    h('div', { class: 'dialog-actions' }, cancel, submit));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'plan-title' }, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    submit.disabled = true;
    try {
      await api.changePlan(product.product_id, select.value);
      dialog.close();
      done();
    } catch (failure) {
      replace(error, failure.message);
      submit.disabled = false;
    }
  });
  showModal(dialog, select);
}
