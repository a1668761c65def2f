// Integrations (webhooks), for the account's sandbox and for a product: each integration with its
// type, event, target, status, last delivery and a sparkline of the last 24 hours' deliveries. The
// rows come from one list request; each row's last attempt and hourly counts are asked a few at a time.

import { api } from '../lib/api.js';
import { h, icon, replace } from '../lib/dom.js';
import { plural, timeAgo } from '../lib/format.js';
import { hourlySeries, targetOf, TYPES } from '../lib/integrations.js';
import { sparkline } from '../lib/sparkline.js';

/** Rows whose delivery details are asked at once: a long list must not open a hundred requests together. */
const PARALLEL = 4;

/**
 * Where a page of integrations lives: `product` null for the sandbox. `may` resolves true when the
 * caller may create, change, test and replay (a product's manage-settings permission; the sandbox is theirs).
 */
export function integrationScope(product, shell) {
  const base = product ? `/products/${encodeURIComponent(product)}/integrations` : '/integrations';
  const may = product
    ? (shell.product?.() ?? api.product(product).then((answer) => answer.product))
      .then((p) => p.permissions.includes('manage_settings'), () => false)
    : Promise.resolve(true);
  const trail = (...steps) => (product
    ? [{ label: 'Products', href: '/products' }, { label: product, href: `/products/${encodeURIComponent(product)}` },
      { label: 'Integrations', href: base }, ...steps]
    : [{ label: 'Integrations', href: base }, ...steps]);
  return { product, base, may, trail };
}

export function integrationsPage(main, { params, shell }) {
  const scope = integrationScope(params[0] ?? null, shell);
  shell.setTrail(scope.trail());
  let alive = true;

  const summary = h('p', { class: 'page-subtitle' }, 'Loading…');
  const actions = h('div', { class: 'page-actions' });
  const body = h('div', {}, loadingTable());
  main.append(
    h('div', { class: 'page-header' },
      h('div', {}, h('h1', { class: 'page-title', tabindex: '-1' }, 'Integrations'), summary),
      actions),
    body);

  const newLink = () => h('a', { class: 'btn btn-primary', href: `${scope.base}/new`, 'data-action': 'new-integration' },
    icon('plus'), 'New integration');

  async function load() {
    let list;
    let may;
    try {
      [list, may] = await Promise.all([api.integrations(scope.product), scope.may]);
    } catch (failure) {
      if (!alive) return;
      summary.textContent = '';
      replace(body, h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'integrations-error' },
        `The integrations could not be loaded: ${failure.message}`));
      return;
    }
    if (!alive) return;
    replace(actions, may && newLink());
    summary.textContent = list.length === 0
      ? 'Send your devices’ events to web services'
      : `${plural(list.length, 'integration', 'integrations')}; deliveries of the last 24 hours`;
    if (list.length === 0) {
      replace(body, h('div', { class: 'card empty-state', 'data-role': 'no-integrations' },
        h('div', { class: 'empty-icon', 'aria-hidden': 'true' }, icon('integrations')),
        h('h2', { class: 'empty-title' }, 'No integrations yet'),
        h('p', { class: 'muted empty-text' },
          'An integration sends each event whose name starts with its prefix to a web service: a webhook, Azure IoT Hub or Google Cloud Pub/Sub.'),
        may ? newLink() : h('p', { class: 'hint' }, 'Your role may read integrations but not create them.')));
      return;
    }
    const rows = list.map((integration) => row(integration));
    replace(body, h('div', { class: 'card table-card' }, h('div', { class: 'table-scroll' },
      h('table', { class: 'table', 'aria-label': 'Integrations' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Event'),
          h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, 'Target'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Last delivery'),
          h('th', { scope: 'col' }, 'Last 24 hours'))),
        h('tbody', { 'data-role': 'integration-rows' }, rows.map((r) => r.el))))));
    details(rows.map((r) => r.fill));
  }

  function row(integration) {
    const last = h('td', { 'data-role': 'last-delivery' }, h('span', { class: 'muted' }, '…'));
    const traffic = h('td', { 'data-role': 'traffic' });
    const href = `${scope.base}/${encodeURIComponent(integration.id)}`;
    const el = h('tr', { dataset: { integrationId: integration.id } },
      h('td', {}, h('a', { class: 'device-name', href, 'data-role': 'integration-link' }, integration.event),
        integration.name && h('div', { class: 'muted small' }, integration.name),
        integration.deviceID && h('div', { class: 'muted small mono' }, `Device ${integration.deviceID}`)),
      h('td', {}, TYPES[integration.integration_type] ?? integration.integration_type),
      h('td', { class: 'mono small', 'data-role': 'target' }, targetOf(integration)),
      h('td', {}, statusBadge(integration.disabled)),
      last,
      traffic);
    const fill = async () => {
      const since = new Date(Date.now() - 24 * 3600_000).toISOString();
      const [log, counts] = await Promise.all([
        api.integrationLog(scope.product, integration.id, { limit: 1 }).catch(() => null),
        api.integrationCounts(scope.product, integration.id, since).catch(() => null)]);
      if (!alive) return;
      replace(last, lastDelivery(log?.attempts?.[0], log === null));
      replace(traffic, counts ? sparkline(hourlySeries(counts.counts)) : h('span', { class: 'muted small' }, 'Unavailable'));
    };
    return { el, fill };
  }

  /** Runs the rows' detail requests, PARALLEL at a time. */
  async function details(jobs) {
    const queue = [...jobs];
    const worker = async () => {
      while (alive && queue.length) await queue.shift()();
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  load();
  return () => {
    alive = false;
  };
}

/** "Enabled" or "Paused". */
export function statusBadge(disabled) {
  return h('span', { class: `badge ${disabled ? 'badge-paused' : 'badge-ok'}`, 'data-role': 'integration-status', 'data-value': disabled ? 'paused' : 'enabled' },
    disabled ? 'Paused' : 'Enabled');
}

/** An attempt's outcome as a badge: success, retry (failed, tried again) or dead (failed for good). */
export function outcomeBadge(attempt) {
  const label = { success: 'Success', retry: 'Error, retrying', dead: 'Error, dead letter' }[attempt.outcome] ?? attempt.outcome;
  return h('span', { class: `badge ${attempt.outcome === 'success' ? 'badge-ok' : 'badge-error'}`, 'data-value': attempt.outcome }, label);
}

function lastDelivery(attempt, failed) {
  if (failed) return h('span', { class: 'muted small' }, 'Unavailable');
  if (!attempt) return h('span', { class: 'muted' }, 'None yet');
  return h('span', { class: 'last-delivery', 'data-outcome': attempt.outcome },
    outcomeBadge(attempt), ' ', attempt.status !== null && h('span', { class: 'mono small' }, String(attempt.status)), ' ', timeAgo(attempt.at));
}

function loadingTable() {
  return h('div', { class: 'card table-card', 'aria-busy': 'true' },
    h('div', { class: 'skeleton-rows' },
      [0, 1, 2].map(() => h('div', { class: 'skeleton-row' },
        h('span', { class: 'skeleton w-30' }), h('span', { class: 'skeleton w-40' }), h('span', { class: 'skeleton w-15' })))));
}
