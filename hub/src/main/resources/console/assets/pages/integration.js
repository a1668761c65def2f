// One integration: its settings (secrets masked as the API shows them), Test with the request sent
// and the answer, the traffic history, the delivery log with filters and paging, the dead letters with
// Replay; Edit, Pause/Resume and Delete for roles that may change it.

import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { h, replace } from '../lib/dom.js';
import { deviceIdCode, exactTime, plural, timeAgo } from '../lib/format.js';
import { formatOf, hourlySeries, OUTCOMES, targetOf, totals, TYPES } from '../lib/integrations.js';
import { sparkline } from '../lib/sparkline.js';
import { integrationScope, outcomeBadge, statusBadge } from './integrations.js';

const PAGE = 50;
const RANGES = { '1h': 3600_000, '24h': 24 * 3600_000, '7d': 7 * 24 * 3600_000, all: null };

export function integrationPage(main, { params, shell, navigate }) {
  const scope = integrationScope(params.length > 1 ? params[0] : null, shell);
  const id = params[params.length - 1];
  shell.setTrail(scope.trail({ label: id }));
  let alive = true;

  const title = h('h1', { class: 'page-title', tabindex: '-1' }, 'Integration');
  const subtitle = h('p', { class: 'page-subtitle' }, 'Loading…');
  const actions = h('div', { class: 'page-actions' });
  const notice = h('div', { 'data-role': 'page-notice' });
  const body = h('div', { class: 'stack' });
  main.append(h('div', { class: 'page-header' }, h('div', {}, title, subtitle), actions), notice, body);

  async function load() {
    let integration;
    let may;
    try {
      [{ integration }, may] = await Promise.all([api.integration(scope.product, id), scope.may]);
    } catch (failure) {
      if (!alive) return;
      subtitle.textContent = '';
      replace(body, h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'integration-error' }, failure.message));
      return;
    }
    if (!alive) return;
    title.textContent = integration.name || integration.event;
    replace(subtitle, `${TYPES[integration.integration_type] ?? integration.integration_type} for events starting with `,
      h('code', {}, integration.event), ' ', statusBadge(integration.disabled));
    shell.setTrail(scope.trail({ label: integration.name || integration.event }));
    const test = testCard(scope, integration);
    replace(actions, may && [
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'test', onclick: () => test.run() }, 'Test'),
      h('a', { class: 'btn btn-secondary', href: `${scope.base}/${encodeURIComponent(id)}/edit`, 'data-action': 'edit' }, 'Edit'),
      h('button', {
        type: 'button', class: 'btn btn-secondary', 'data-action': integration.disabled ? 'resume' : 'pause', onclick: () => pauseOrResume(integration),
      }, integration.disabled ? 'Resume' : 'Pause'),
      h('button', { type: 'button', class: 'btn btn-ghost-danger', 'data-action': 'delete', onclick: () => remove(integration) }, 'Delete')]);
    const log = logCard(scope, id);
    replace(body,
      !may && h('div', { class: 'callout callout-info', 'data-role': 'read-only' }, 'Your role may read this integration but not change, test or replay it.'),
      test.el,
      settingsCard(integration),
      historyCard(scope, id),
      log.el,
      deadLettersCard(scope, id, may, log.reload));
  }

  function failed(failure) {
    replace(notice, h('div', { class: 'callout callout-error', role: 'alert', 'data-role': 'action-error' }, failure.message));
  }

  async function pauseOrResume(integration) {
    replace(notice);
    try {
      // only `disabled` changes: no key to give again, whatever the type
      await (integration.disabled ? api.resumeIntegration(scope.product, id) : api.pauseIntegration(scope.product, id));
      load();
    } catch (failure) {
      failed(failure);
    }
  }

  async function remove(integration) {
    if (!await confirmDialog({
      title: `Delete the integration for ${integration.event}?`, text: 'Its events are no longer sent, and its delivery log goes.', confirmLabel: 'Delete integration',
    })) return;
    try {
      await api.deleteIntegration(scope.product, id);
      navigate(scope.base);
    } catch (failure) {
      failed(failure);
    }
  }

  load();
  return () => {
    alive = false;
  };
}

/** The integration's settings, as the API answers them: secrets arrive masked and are shown so. */
function settingsCard(integration) {
  const rows = [['Type', TYPES[integration.integration_type] ?? integration.integration_type], ['Event prefix', integration.event],
    ['Device', integration.deviceID ?? 'Any device']];
  if (integration.integration_type === 'Webhook') {
    const { format, template } = formatOf(integration);
    rows.push(['URL', integration.url], ['Method', integration.requestType], ['Request format', format]);
    if (template) rows.push([`${format} template`, h('pre', { class: 'code-block' }, template)]);
    for (const [name, value] of Object.entries(integration.headers ?? {})) rows.push([`Header ${name}`, h('span', { class: 'mono', 'data-role': 'masked' }, value)]);
    if (integration.auth) rows.push(['Basic auth', h('span', { class: 'mono', 'data-role': 'masked' }, `${integration.auth.username ?? ''} / ${integration.auth.password ?? ''}`)]);
    for (const key of ['responseTopic', 'errorResponseTopic', 'responseTemplate']) {
      if (integration[key]) rows.push([key, h('code', {}, typeof integration[key] === 'string' ? integration[key] : JSON.stringify(integration[key]))]);
    }
    if (integration.noDefaults) rows.push(['Default data', 'Not included']);
    if (integration.rejectUnauthorized === false) rows.push(['TLS', 'Certificates not checked']);
  } else {
    rows.push(['Target', targetOf(integration)]);
    if (integration.policy_name) rows.push(['Policy', integration.policy_name]);
    if (integration.policy_key) rows.push(['Policy key', h('span', { class: 'mono', 'data-role': 'masked' }, integration.policy_key)]);
    if (integration.service_account_key) rows.push(['Service account', integration.service_account_key.client_email]);
    if (integration.json) rows.push(['JSON template', h('pre', { class: 'code-block' }, JSON.stringify(integration.json, null, 2))]);
  }
  rows.push(['Created', h('span', { title: exactTime(integration.created_at) }, timeAgo(integration.created_at))],
    ['Updated', timeAgo(integration.updated_at)], ['ID', h('span', { class: 'mono' }, integration.id)]);
  return h('section', { class: 'card', 'aria-labelledby': 'settings-title', 'data-role': 'integration-settings' },
    h('header', { class: 'card-header' }, h('h2', { id: 'settings-title', class: 'card-title' }, 'Settings')),
    h('div', { class: 'card-body' }, h('dl', { class: 'details details-left' },
      rows.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]))));
}

/** The Test button's outcome: one real request to the target, its request and the answer or error. */
function testCard(scope, integration) {
  const data = h('input', { class: 'input', id: 'test-data', 'data-field': 'test-data', placeholder: 'test-event data (optional)' });
  const result = h('div', { 'data-role': 'test-result', 'aria-live': 'polite' });
  const el = h('section', { class: 'card', hidden: true, 'aria-labelledby': 'test-title', 'data-role': 'test-card' },
    h('header', { class: 'card-header' }, h('h2', { id: 'test-title', class: 'card-title' }, 'Test'),
      h('p', { class: 'muted card-lead' }, 'One request to the target now, as an event would send it. Header values from the settings show as ****.')),
    h('div', { class: 'card-body stack-sm' },
      h('form', { class: 'form-footer', onsubmit: (event) => { event.preventDefault(); run(); } },
        h('label', { for: 'test-data', class: 'sr-only' }, 'Event data'), data,
        h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', 'data-action': 'test-again' }, 'Send')),
      result));

  async function run() {
    el.hidden = false;
    replace(result, h('p', { class: 'muted', 'data-role': 'test-pending' }, 'Sending…'));
    try {
      const answer = await api.testIntegration(scope.product, integration.id, data.value ? { data: data.value } : {});
      const sent = answer.data ?? {};
      replace(result, h('div', { class: 'stack-sm', 'data-role': 'test-outcome', 'data-pass': String(Boolean(answer.pass)) },
        h('p', {}, h('span', { class: `badge ${answer.pass ? 'badge-ok' : 'badge-error'}` }, answer.pass ? 'Passed' : 'Failed'), ' ',
          sent.status !== null && sent.status !== undefined && h('span', { 'data-role': 'test-status' }, `HTTP ${sent.status}`),
          sent.latency_ms !== undefined && h('span', { class: 'muted' }, ` in ${sent.latency_ms} ms`)),
        sent.error && h('div', { class: 'form-error', 'data-role': 'test-error' }, sent.error),
        sent.request && h('div', {}, h('h3', { class: 'small muted' }, 'Request'), h('pre', { class: 'code-block', 'data-role': 'test-request' }, sent.request,
          sent.body ? `\n${sent.body}` : '')),
        sent.response !== null && sent.response !== undefined && h('div', {}, h('h3', { class: 'small muted' }, 'Response (first KiB)'),
          h('pre', { class: 'code-block', 'data-role': 'test-response' }, sent.response))));
    } catch (failure) {
      replace(result, h('div', { class: 'form-error', role: 'alert', 'data-role': 'test-error' }, failure.message));
    }
  }
  return { el, run };
}

/** The hourly counts: a larger sparkline and its totals, for 24 hours, 7 days or 30 days. */
function historyCard(scope, id) {
  const range = h('select', { class: 'input input-sm', 'aria-label': 'History range', 'data-field': 'history-range' },
    h('option', { value: '24' }, 'Last 24 hours'), h('option', { value: '168' }, 'Last 7 days'), h('option', { value: '720' }, 'Last 30 days'));
  const chart = h('div', { 'data-role': 'history' }, h('p', { class: 'muted' }, 'Loading…'));
  async function load() {
    const hours = Number(range.value);
    try {
      const { counts } = await api.integrationCounts(scope.product, id, new Date(Date.now() - hours * 3600_000).toISOString());
      const series = hourlySeries(counts, Date.now(), hours);
      const sum = totals(series);
      replace(chart, sparkline(series, { width: 600, height: 64, stretch: true, label: `Deliveries, ${range.selectedOptions[0].textContent.toLowerCase()}` }),
        h('p', { class: 'history-totals small' },
          h('span', { class: 'legend legend-ok' }, `${sum.success.toLocaleString()} delivered`),
          h('span', { class: 'legend legend-error' }, `${sum.error.toLocaleString()} failed`),
          h('span', { class: 'legend' }, `${sum.skipped.toLocaleString()} skipped while paused`),
          h('span', { class: 'legend' }, `${sum.throttled.toLocaleString()} throttled`)));
    } catch (failure) {
      replace(chart, h('div', { class: 'form-error', role: 'alert' }, failure.message));
    }
  }
  range.addEventListener('change', load);
  load();
  return h('section', { class: 'card', 'aria-labelledby': 'history-title' },
    h('header', { class: 'card-header card-header-row' }, h('h2', { id: 'history-title', class: 'card-title' }, 'History'), range),
    h('div', { class: 'card-body' }, chart));
}

/** Every attempt, newest first, filtered by outcome and age; older pages with `before`. */
function logCard(scope, id) {
  const outcome = h('select', { class: 'input input-sm', 'aria-label': 'Outcome', 'data-field': 'log-outcome' },
    h('option', { value: 'all' }, 'All outcomes'), h('option', { value: 'success' }, 'Success'), h('option', { value: 'error' }, 'Errors'),
    h('option', { value: 'retry' }, 'Errors retried'), h('option', { value: 'dead' }, 'Errors, dead letters'));
  const age = h('select', { class: 'input input-sm', 'aria-label': 'Time range', 'data-field': 'log-range' },
    h('option', { value: '24h' }, 'Last 24 hours'), h('option', { value: '1h' }, 'Last hour'), h('option', { value: '7d' }, 'Last 7 days'),
    h('option', { value: 'all' }, 'Everything kept'));
  const rows = h('tbody', { 'data-role': 'log-rows' });
  const foot = h('div', {});
  const status = h('p', { class: 'card-empty', 'data-role': 'log-empty', hidden: true });
  let attempts = [];
  let more = false;
  let generation = 0;

  async function load(older) {
    const mine = older ? generation : ++generation;
    if (!older) {
      attempts = [];
      replace(rows);
    }
    const from = RANGES[age.value] === null ? null : Date.now() - RANGES[age.value];
    const before = older && attempts.length ? attempts[attempts.length - 1].at : undefined;
    let page;
    try {
      // the node filters by time and by one outcome; "Errors" (retried or dead) is filtered here
      const one = ['success', 'retry', 'dead'].includes(outcome.value) ? outcome.value : undefined;
      page = (await api.integrationLog(scope.product, id, {
        limit: PAGE, before, since: from === null ? undefined : new Date(from).toISOString(), outcome: one,
      })).attempts;
    } catch (failure) {
      if (mine === generation) replace(foot, h('div', { class: 'form-error', role: 'alert' }, failure.message));
      return;
    }
    if (mine !== generation) return;
    attempts = attempts.concat(page);
    more = page.length === PAGE;
    draw();
  }

  function draw() {
    const shown = attempts.filter(OUTCOMES[outcome.value]);
    replace(rows, shown.map(attemptRows));
    status.hidden = shown.length > 0;
    status.textContent = attempts.length === 0 ? 'No deliveries in this range.' : 'No deliveries with this outcome in this range.';
    replace(foot, h('div', { class: 'pager' },
      h('span', { class: 'muted small', 'data-role': 'log-count' }, `${plural(shown.length, 'attempt', 'attempts')} shown of ${attempts.length.toLocaleString()} loaded`),
      more && h('div', { class: 'pager-buttons' },
        h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'log-older', onclick: () => load(true) }, 'Load older'))));
  }

  function attemptRows(attempt) {
    const detail = h('tr', { class: 'log-detail', hidden: true },
      h('td', { colspan: '6' }, h('div', { class: 'stack-sm' },
        attempt.error && h('div', { class: 'form-error' }, attempt.error),
        attempt.request && h('div', {}, h('h3', { class: 'small muted' }, 'Request'), h('pre', { class: 'code-block' }, attempt.request)),
        attempt.response !== null && h('div', {}, h('h3', { class: 'small muted' }, 'Response (first KiB)'), h('pre', { class: 'code-block' }, attempt.response)))));
    const toggle = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-expanded': 'false', 'data-action': 'log-details' }, 'Details');
    toggle.addEventListener('click', () => {
      detail.hidden = !detail.hidden;
      toggle.setAttribute('aria-expanded', String(!detail.hidden));
    });
    return [h('tr', { dataset: { eventId: String(attempt.event_id), outcome: attempt.outcome }, 'data-role': 'log-row' },
      h('td', {}, timeAgo(attempt.at)),
      h('td', {}, outcomeBadge(attempt)),
      h('td', { class: 'mono', 'data-role': 'log-status' }, attempt.status ?? '—'),
      h('td', {}, attempt.latency_ms === null ? '—' : `${attempt.latency_ms} ms`),
      h('td', { class: 'mono small' }, `event ${attempt.event_id}, attempt ${attempt.attempt}`),
      h('td', { class: 'cell-actions' }, toggle)), detail];
  }

  outcome.addEventListener('change', () => load(false));
  age.addEventListener('change', () => load(false));
  load(false);
  return {
    reload: () => load(false),
    el: h('section', { class: 'card table-card', 'aria-labelledby': 'log-title', 'data-role': 'delivery-log' },
      h('header', { class: 'card-header card-header-row' },
        h('div', {}, h('h2', { id: 'log-title', class: 'card-title' }, 'Delivery log'),
          h('p', { class: 'muted card-lead' }, 'Each attempt with its request (secret header values as ****) and the first KiB of the answer.')),
        h('div', { class: 'toolbar-filters' }, outcome, age,
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'log-refresh', onclick: () => load(false) }, 'Refresh'))),
      h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'aria-label': 'Delivery attempts' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Outcome'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Latency'), h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Details')))),
        rows)),
      status, foot),
  };
}

/** Deliveries that failed for good, each with Replay, and Replay all. */
function deadLettersCard(scope, id, may, afterReplay) {
  const rows = h('tbody', { 'data-role': 'dead-letter-rows' });
  const outcome = h('div', { role: 'status', 'data-role': 'replay-outcome' });
  const empty = h('p', { class: 'card-empty', 'data-role': 'no-dead-letters', hidden: true }, 'No dead letters: every delivery got through or is still being retried.');
  const all = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', 'data-action': 'replay-all', hidden: true, onclick: () => replay() }, 'Replay all');

  async function load() {
    try {
      const { dead_letters: letters } = await api.deadLetters(scope.product, id);
      empty.hidden = letters.length > 0;
      all.hidden = !may || letters.length === 0;
      replace(rows, letters.map((letter) => h('tr', { dataset: { eventId: String(letter.event_id) }, 'data-role': 'dead-letter' },
        h('td', {}, h('code', {}, letter.event ?? 'event no longer stored'), h('div', { class: 'muted small mono' }, `event ${letter.event_id}`)),
        h('td', { class: 'small' }, letter.device_id ? deviceIdCode(letter.device_id) : '—'),
        h('td', {}, letter.published_at ? timeAgo(letter.published_at) : '—'),
        h('td', {}, String(letter.attempts)),
        h('td', { class: 'small', 'data-role': 'last-error' }, letter.last_error ?? ''),
        h('td', { class: 'cell-actions' }, may && h('button', {
          type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'replay', onclick: () => replay(letter.event_id),
        }, 'Replay')))));
    } catch (failure) {
      replace(outcome, h('div', { class: 'form-error', role: 'alert' }, failure.message));
    }
  }

  async function replay(eventId) {
    replace(outcome);
    try {
      const { replayed } = await api.replayDeadLetters(scope.product, id, eventId);
      replace(outcome, h('div', { class: 'callout callout-info', 'data-role': 'replayed', 'data-count': String(replayed) },
        replayed === 0 ? 'Nothing was replayed: the dead letter is gone (replayed already, or past its retention).'
          : `${plural(replayed, 'delivery', 'deliveries')} sent again from the first attempt; the delivery log shows how it goes.`));
      load();
      setTimeout(afterReplay, 1500);
    } catch (failure) {
      replace(outcome, h('div', { class: 'form-error', role: 'alert' }, failure.message));
    }
  }

  load();
  return h('section', { class: 'card table-card', 'aria-labelledby': 'dead-title', 'data-role': 'dead-letters' },
    h('header', { class: 'card-header card-header-row' },
      h('div', {}, h('h2', { id: 'dead-title', class: 'card-title' }, 'Dead letters'),
        h('p', { class: 'muted card-lead' }, 'Deliveries whose retries are spent, or refused for good (4xx, a refused target, a broken template).')),
      h('div', { class: 'toolbar-filters' }, all,
        h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'dead-refresh', onclick: () => load() }, 'Refresh'))),
    h('div', { class: 'card-body' }, outcome),
    h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'aria-label': 'Dead letters' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Event'), h('th', { scope: 'col' }, 'Device'), h('th', { scope: 'col' }, 'Published'),
        h('th', { scope: 'col' }, 'Attempts'), h('th', { scope: 'col' }, 'Last error'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Replay')))),
      rows)),
    empty);
}
