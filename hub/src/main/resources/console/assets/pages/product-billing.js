// A product's Billing (the billing icon of the product's sidebar, the Console guide's "Managing your
// billing"): its plan, the current period and its usage, the renewal date, a plan change, and its
// invoices. For those who may manage its billing (its administrators); others are told whose it is.

import { api } from '../lib/api.js';
import { money } from '../lib/card.js';
import { h, replace } from '../lib/dom.js';
import { date, invoiceList, planDialog } from './billing.js';

export function productBillingPage(main, { params, shell }) {
  const [idOrSlug] = params;
  let alive = true;
  const body = h('div', { 'data-role': 'product-billing' }, h('p', { class: 'muted' }, 'Loading…'));
  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Billing'),
        h('p', { class: 'page-subtitle' }, 'This product\'s plan and period, anchored at its creation; its owner pays. The card is on your account\'s ',
          h('a', { href: '/billing' }, 'Billing page'), '.'))),
    body);
  shell.setTrail?.([{ label: 'Products', href: '/products' }, { label: idOrSlug }, { label: 'Billing' }]);

  async function load() {
    let view;
    let plans;
    try {
      [view, plans] = await Promise.all([api.productBilling(idOrSlug), api.billingPlans()]);
    } catch (failure) {
      if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'billing-refused' }, failure.message));
      return;
    }
    if (!alive) return;
    const plan = view.plan;
    const change = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'change-plan', 'data-needs': 'manage_billing' }, 'Change plan');
    change.addEventListener('click', () => planDialog(view, plans.plans, load));
    replace(body,
      h('section', { class: 'card', 'aria-label': 'Plan' },
        h('div', { class: 'card-header' }, h('h2', { class: 'card-title' }, `${plan.label} plan`)),
        h('div', { class: 'card-body billing-card' },
          h('dl', { class: 'billing-facts' },
            h('dt', {}, 'Price'), h('dd', { 'data-role': 'price' }, `${money(plan.price_cents, plan.currency)} ${plan.period === 'yearly' ? 'a year' : 'a month'}`),
            h('dt', {}, 'This period'), h('dd', {}, `${date(view.period_start)} – ${date(view.period_end)}`),
            h('dt', {}, 'Renews'), h('dd', { 'data-role': 'renews' }, date(view.renews_at)),
            h('dt', {}, 'Outbound events'), h('dd', { 'data-role': 'events' }, `${view.usage.events.toLocaleString()} of ${plan.included_events.toLocaleString()}`),
            h('dt', {}, 'Devices'), h('dd', { 'data-role': 'devices' }, `${view.usage.devices} of ${plan.device_limit}`),
            h('dt', {}, 'Team members'), h('dd', { 'data-role': 'members' },
              plan.team_limit ? `${view.usage.team_members} of ${plan.team_limit}` : String(view.usage.team_members)),
            h('dt', {}, 'Owner'), h('dd', {}, view.owner)),
          change)),
      invoiceList(view.invoices));
  }

  load();
  return () => {
    alive = false;
  };
}
