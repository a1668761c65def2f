// SIM cards: an account's (/sims) or a product's (/products/:p/sims) SIMs with their status, device
// and data limit; import ICCIDs (one a line, optionally each with its device ID), deactivate,
// reactivate, release, and the month's usage by day as a chart (a product's page also charts its
// fleet's). Every action is the API's (docs/api.md, "SIMs").

import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { plural, shortId } from '../lib/format.js';
import { drawUsageChart } from '../lib/usage-chart.js';

const STATUS = {
  active: ['badge-success', 'Active'],
  inactive: ['badge-warning', 'Paused at its limit'],
  deactivated: ['badge-neutral', 'Deactivated'],
};

export function simsPage(main, { shell }) {
  shell.setTrail([{ label: 'SIM cards' }]);
  return simCards(main, null);
}

export function productSimsPage(main, { params, shell }) {
  const product = params[0];
  shell.setTrail?.([{ label: 'Products', href: '/products' }, { label: product }, { label: 'SIM cards' }]);
  return simCards(main, product);
}

/** @param product the product's ID or slug, or null for the account's own SIMs */
function simCards(main, product) {
  let alive = true;

  const summary = h('p', { class: 'page-subtitle' }, 'Loading your SIM cards…');
  const importToggle = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'open-import', 'aria-expanded': 'false', 'data-needs': 'manage_devices' },
    icon('plus'), 'Import SIMs');
  const iccids = h('textarea', {
    id: 'sim-iccids', class: 'input', rows: '5', spellcheck: 'false',
    placeholder: '89014103211118510720\n89014103211118510738 0a1b2c3d4e5f60718293a4b5',
  });
  const importError = h('div', { 'data-role': 'import-error', role: 'alert' });
  const importButton = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'import-sims' }, 'Import');
  const importPanel = h('section', { class: 'card', hidden: true, 'data-role': 'import-panel' },
    h('label', { for: 'sim-iccids' }, 'ICCIDs, one a line; a device ID after an ICCID puts the SIM in that device'),
    iccids, importError, h('div', { class: 'page-actions' }, importButton));
  const notice = h('div', {});
  const body = h('div', {});
  const usage = h('section', { class: 'card', hidden: true, 'data-role': 'usage' });

  main.append(
    h('div', { class: 'page-header' },
      h('div', {}, h('h1', { class: 'page-title', tabindex: '-1' }, 'SIM cards'), summary),
      h('div', { class: 'page-actions' }, importToggle)),
    importPanel, notice, body, usage);

  importToggle.addEventListener('click', () => {
    importPanel.hidden = !importPanel.hidden;
    importToggle.setAttribute('aria-expanded', String(!importPanel.hidden));
    if (!importPanel.hidden) iccids.focus();
  });
  importButton.addEventListener('click', async () => {
    replace(importError);
    try {
      const outcome = await api.importSims(product, iccids.value);
      iccids.value = '';
      importPanel.hidden = true;
      say(`${plural(outcome.added.length, 'SIM', 'SIMs')} imported${outcome.existing.length ? `, ${outcome.existing.length} already yours` : ''}.`);
      load();
    } catch (failure) {
      const lines = (failure.body?.invalid_sims ?? []).map((sim) => h('li', {}, `${sim.iccid}: ${sim.description}`));
      const taken = (failure.body?.iccids ?? []).map((iccid) => h('li', {}, `${iccid}: another account's`));
      replace(importError, h('div', { class: 'callout callout-error' }, failure.message, h('ul', {}, ...lines, ...taken)));
    }
  });

  function say(text, error = false) {
    replace(notice, h('div', { class: `callout ${error ? 'callout-error' : 'callout-success'}`, role: error ? 'alert' : 'status' }, text));
  }

  async function load() {
    let sims;
    try {
      sims = await api.sims(product);
    } catch (failure) {
      if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, `The SIM cards could not be loaded: ${failure.message}`));
      return;
    }
    if (!alive) return;
    summary.textContent = sims.length === 0 ? 'No SIM cards yet' : plural(sims.length, 'SIM card', 'SIM cards');
    if (product && sims.length > 0) showFleet();
    if (sims.length === 0) {
      replace(body, h('div', { class: 'card empty-state', 'data-role': 'no-sims' },
        h('h2', { class: 'empty-title' }, 'No SIM cards yet'),
        h('p', { class: 'muted empty-text' }, 'Import the ICCIDs printed on your SIM cards; a device with a SIM is metered and cut off when its SIM is.')));
      return;
    }
    replace(body, h('div', { class: 'card table-card' }, h('div', { class: 'table-scroll' },
      h('table', { class: 'table', 'aria-label': 'SIM cards', 'data-role': 'sims' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'ICCID'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Device'),
          h('th', { scope: 'col' }, 'Data limit'),
          h('th', { scope: 'col' }, 'Carrier'),
          h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', {}, sims.map(simRow))))));
  }

  /** A SIM cut off at its data limit comes back with a higher limit, asked in a dialog (the API's refusal shown there). */
  async function reactivateOverLimit(sim) {
    const limit = h('input', {
      id: 'sim-new-limit', class: 'input', type: 'number', min: 1, step: 1, required: true,
      value: String((sim.mb_limit ?? 0) * 2 || 10), 'data-role': 'sim-new-limit',
    });
    const reactivated = await confirmDialog({
      title: `Reactivate ${sim.iccid}?`,
      text: 'It reached its data limit this month: give it a higher one (MB).',
      extra: h('div', { class: 'field' }, h('label', { for: limit.id }, 'New data limit (MB)'), limit),
      confirmLabel: 'Reactivate', confirmAction: 'confirm-reactivate', danger: false,
      action: () => api.changeSim(product, sim.iccid, { action: 'reactivate', mb_limit: Number(limit.value) }),
    });
    if (!reactivated) return;
    say(`${sim.iccid} is active again.`);
    load();
  }

  function simRow(sim) {
    const [badgeClass, label] = STATUS[sim.status] ?? ['badge-neutral', sim.status];
    const action = (name, text, run, danger = false) => {
      const button = h('button', {
        type: 'button', class: `btn btn-ghost btn-sm${danger ? ' btn-ghost-danger' : ''}`, 'data-action': name, 'aria-label': `${text} ${sim.iccid}`, 'data-needs': 'manage_devices',
      }, text);
      button.addEventListener('click', run);
      return button;
    };
    const change = (fields, done) => async () => {
      try {
        await api.changeSim(product, sim.iccid, fields);
        say(done);
        load();
      } catch (failure) {
        say(failure.message, true);
      }
    };
    const actions = [action('usage', 'Usage', () => showUsage(sim))];
    if (sim.status === 'active') {
      actions.push(action('deactivate', 'Deactivate', change({ action: 'deactivate' }, `${sim.iccid} deactivated; its device is cut off.`)));
    } else {
      actions.push(action('reactivate', 'Reactivate', () => (sim.status === 'inactive' ? reactivateOverLimit(sim)
        : change({ action: 'reactivate' }, `${sim.iccid} is active again.`)())));
    }
    actions.push(action('release', 'Release', async () => {
      if (!await confirmDialog({ title: `Release ${sim.iccid}?`, text: 'Its usage goes with it, and anyone may import it then.', confirmLabel: 'Release SIM' })) return;
      try {
        await api.releaseSim(product, sim.iccid);
        say(`${sim.iccid} released.`);
        load();
      } catch (failure) {
        say(failure.message, true);
      }
    }, true));
    return h('tr', { dataset: { iccid: sim.iccid, status: sim.status } },
      h('td', {}, h('code', {}, sim.iccid)),
      h('td', {}, h('span', { class: `badge ${badgeClass}`, 'data-role': 'status' }, label)),
      h('td', {}, sim.device_id ? h('a', { href: `/devices/${sim.device_id}`, title: sim.device_id }, sim.device_name ?? shortId(sim.device_id)) : h('span', { class: 'muted' }, '—')),
      h('td', {}, sim.mb_limit ? `${sim.mb_limit} MB` : h('span', { class: 'muted' }, 'none')),
      h('td', {}, sim.carrier),
      h('td', { class: 'cell-actions' }, ...actions));
  }

  async function showUsage(sim) {
    usage.hidden = false;
    const chart = h('div', { class: 'usage-chart', 'data-role': 'usage-chart' });
    const total = h('p', { class: 'muted', 'data-role': 'usage-total' }, 'Loading…');
    replace(usage, h('h2', { class: 'section-title' }, `Data usage of ${sim.iccid} this month`), total, chart);
    try {
      const data = await api.simUsage(product, sim.iccid);
      if (!alive) return;
      total.textContent = `${data.used} MB used this month${data.quota ? ` of ${data.quota} MB` : ''}`;
      await drawUsageChart(chart, data.usage_by_day, { quota: data.quota });
    } catch (failure) {
      total.textContent = `The usage could not be loaded: ${failure.message}`;
    }
  }

  /** A product's fleet this month: MB used, SIMs counted active, and the chart by day. */
  async function showFleet() {
    usage.hidden = false;
    const chart = h('div', { class: 'usage-chart', 'data-role': 'usage-chart' });
    const total = h('p', { class: 'muted', 'data-role': 'usage-total' }, 'Loading…');
    replace(usage, h('h2', { class: 'section-title' }, 'The fleet\'s data usage this month'), total, chart);
    try {
      const data = await api.fleetUsage(product);
      if (!alive) return;
      total.textContent = `${data.total_mbs_used} MB used this month by ${plural(data.total_active_sim_cards, 'active SIM', 'active SIMs')}`;
      await drawUsageChart(chart, data.usage_by_day);
    } catch (failure) {
      total.textContent = `The fleet's usage could not be loaded: ${failure.message}`;
    }
  }

  load();
  return () => { alive = false; };
}
