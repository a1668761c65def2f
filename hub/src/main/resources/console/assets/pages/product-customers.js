// A product's Customers: every customer with the devices it claimed (paged and searched on the
// server), removal (which unclaims its devices), the private beta's activation codes, and the OAuth
// clients its customers' apps and servers authenticate with.

import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { deviceIdCode, plural, timeAgo } from '../lib/format.js';
import { secretField } from '../lib/ui.js';
import { pager, rangeText } from '../lib/pager.js';

const PER_PAGE = 25;

export function productCustomersPage(main, { params, shell }) {
  const product = params[0];
  shell.setTrail([{ label: 'Products', href: '/products' }, { label: product, href: `/products/${encodeURIComponent(product)}/devices` },
    { label: 'Customers' }]);
  let alive = true;
  let page = 1;
  let search = '';
  let searchTimer = null;

  const summary = h('p', { class: 'page-subtitle' }, 'Loading customers…');
  const searchInput = h('input', {
    type: 'search', class: 'input input-search', placeholder: 'Search by email', 'aria-label': 'Search customers by email',
    autocomplete: 'off', spellcheck: 'false',
  });
  const listBody = h('div', { 'data-role': 'customers' });
  const codes = codesCard(product, () => alive);
  const clients = clientsCard(product, () => alive);

  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Customers'),
        summary)),
    h('div', { class: 'toolbar' }, h('div', { class: 'search' }, icon('search', 'search-icon'), searchInput)),
    listBody,
    codes.el,
    clients.el);

  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      search = searchInput.value.trim();
      page = 1;
      load();
    }, 250);
  });

  async function load() {
    let answer;
    try {
      answer = await api.productCustomers(product, { page, perPage: PER_PAGE, search });
    } catch (failure) {
      if (!alive) return;
      summary.textContent = '';
      replace(listBody, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
      return;
    }
    if (!alive) return;
    const { customers, meta } = answer;
    summary.textContent = meta.total === 0 && !search ? 'No customers yet' : plural(meta.total, 'customer', 'customers');
    if (customers.length === 0) {
      replace(listBody, h('div', { class: 'card' }, h('p', { class: 'table-empty' }, search
        ? `No customer's email starts with “${search}”.`
        : 'Customers appear here as they sign up through your app; each claimed device shows next to its customer.')));
      return;
    }
    replace(listBody, h('div', { class: 'card table-card' },
      h('div', { class: 'table-scroll' },
        h('table', { class: 'table', 'aria-label': 'Customers' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Email'),
            h('th', { scope: 'col' }, 'Device IDs'),
            h('th', { scope: 'col', class: 'col-time' }, 'Created'),
            h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
          h('tbody', {}, customers.map(customerRow)))),
      meta.total_pages > 1 && pager({
        page: meta.page, pages: meta.total_pages, text: rangeText(meta.page, meta.per_page, meta.total), go: (to) => { page = to; load(); },
      })));
  }

  function customerRow(customer) {
    const remove = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm btn-ghost-danger', 'data-action': 'remove-customer', 'data-needs': 'manage_customers',
      'aria-label': `Remove ${customer.username}`,
    }, 'Remove');
    remove.addEventListener('click', () => confirmRemoval(product, customer, () => load()));
    return h('tr', { dataset: { customer: customer.username } },
      h('td', { class: 'cell-name' }, customer.username),
      h('td', { 'data-role': 'customer-devices' }, customer.devices.length === 0
        ? h('span', { class: 'muted' }, 'No device claimed')
        : customer.devices.map((id, i) => [i > 0 && ' ', deviceIdCode(id)])),
      h('td', { class: 'col-time' }, timeAgo(customer.created_at)),
      h('td', { class: 'cell-actions' }, remove));
  }

  load();
  codes.load();
  clients.load();
  return () => {
    alive = false;
    clearTimeout(searchTimer);
  };
}

/** Asks before removing a customer: its devices are unclaimed and its tokens stop working. */
async function confirmRemoval(product, customer, onRemoved) {
  const removed = await confirmDialog({
    title: `Remove ${customer.username}?`,
    text: customer.devices.length === 0
      ? 'The customer can no longer sign in to your app.'
      : `The customer can no longer sign in, and ${plural(customer.devices.length, 'device', 'devices')} it claimed become unclaimed.`,
    confirmLabel: 'Remove customer',
    confirmAction: 'confirm-remove',
    action: () => api.removeCustomer(product, customer.username),
  });
  if (removed) onRemoved();
}

/** The private beta's codes: how many are left, a form to make more, the list with who used each. */
function codesCard(product, isAlive) {
  const status = h('p', { class: 'card-lead' }, 'Loading…');
  const list = h('div', { 'data-role': 'activation-codes' });
  const quantity = h('input', {
    id: 'code-quantity', type: 'number', min: '1', max: '1000', value: '10', class: 'input input-sm', 'aria-describedby': 'codes-error',
  });
  const error = h('div', { id: 'codes-error', class: 'field-error', role: 'alert' });
  const make = h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', 'data-action': 'make-codes' }, 'Generate codes');
  const form = h('form', { class: 'inline-edit', 'data-needs': 'manage_customers' },
    h('div', { class: 'inline-edit-row' }, h('label', { for: 'code-quantity' }, 'How many'), quantity, make), error);
  const el = h('section', { class: 'card claim-card', 'aria-labelledby': 'codes-title' },
    h('h2', { id: 'codes-title', class: 'card-title' }, 'Activation codes'),
    status, form, list);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    make.disabled = true;
    try {
      await api.makeActivationCodes(product, Number(quantity.value));
      await load();
    } catch (failure) {
      replace(error, failure.message);
    } finally {
      make.disabled = false;
    }
  });

  async function load() {
    let answer;
    try {
      answer = await api.activationCodes(product);
    } catch (failure) {
      if (isAlive()) replace(status, failure.message);
      return;
    }
    if (!isAlive()) return;
    const { meta } = answer;
    status.textContent = `${answer.private_beta
      ? 'Private beta is on: a customer needs an unused code to claim a device.'
      : 'Private beta is off: codes are not needed to claim (turn it on in Configuration).'} `
      + `${plural(meta.unused, 'unused code', 'unused codes')} of ${meta.total.toLocaleString()}.`;
    replace(list, answer.codes.length === 0 ? null : h('div', { class: 'table-scroll' },
      h('table', { class: 'table', 'aria-label': 'Activation codes' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Used by'), h('th', { scope: 'col' }, 'Device ID'))),
        h('tbody', {}, answer.codes.map((code) => h('tr', { dataset: { code: code.code } },
          h('td', {}, h('code', {}, code.code)),
          h('td', {}, code.used ? 'Used' : 'Unused'),
          h('td', {}, code.used_by ?? ''),
          h('td', {}, code.device_id ? deviceIdCode(code.device_id) : '')))))));
  }

  return { el, load };
}

/** The OAuth clients of the product: the secret is shown once, when the client is made. */
function clientsCard(product, isAlive) {
  const list = h('div', { 'data-role': 'clients' });
  const name = h('input', { id: 'client-name', class: 'input input-sm', placeholder: 'My app', autocomplete: 'off' });
  const type = h('select', { id: 'client-type', class: 'input input-sm' },
    h('option', { value: 'installed' }, 'Installed (mobile or desktop app)'), h('option', { value: 'web' }, 'Web app'));
  const redirect = h('input', {
    id: 'client-redirect', class: 'input input-sm', placeholder: 'https://app.example.com/callback', autocomplete: 'off', hidden: true,
  });
  const error = h('div', { class: 'field-error', role: 'alert' });
  const made = h('div', { 'data-role': 'client-secret' });
  const create = h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', 'data-action': 'create-client' }, 'Create client');
  const form = h('form', { class: 'inline-edit', 'data-needs': 'manage_settings' },
    h('div', { class: 'inline-edit-row' },
      h('label', { for: 'client-name', class: 'sr-only' }, 'Client name'), name,
      h('label', { for: 'client-type', class: 'sr-only' }, 'Client type'), type,
      h('label', { for: 'client-redirect', class: 'sr-only' }, 'Redirect URI'), redirect, create),
    error);
  const el = h('section', { class: 'card claim-card', 'aria-labelledby': 'clients-title' },
    h('h2', { id: 'clients-title', class: 'card-title' }, 'OAuth clients'),
    h('p', { class: 'card-lead' }, 'Your app creates and signs in customers with a client; a web client with a redirect URI '
      + 'offers “Login with Drover”.'),
    form, made, list);

  type.addEventListener('change', () => {
    redirect.hidden = type.value !== 'web';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    create.disabled = true;
    try {
      const body = { name: name.value.trim(), type: type.value };
      if (type.value === 'web') body.redirect_uri = redirect.value.trim();
      const { client } = await api.createProductClient(product, body);
      replace(made, h('div', { class: 'callout callout-warning', role: 'status' },
        h('div', { class: 'stack-sm' }, h('p', {}, 'Client ', h('code', {}, client.id), ' made. Its secret, shown this once:'),
          secretField(client.secret, 'Client secret'))));
      name.value = '';
      await load();
    } catch (failure) {
      replace(error, failure.message);
    } finally {
      create.disabled = false;
    }
  });

  async function load() {
    let answer;
    try {
      answer = await api.productClients(product);
    } catch (failure) {
      if (isAlive()) replace(list, h('p', { class: 'muted' }, failure.message));
      return;
    }
    if (!isAlive()) return;
    replace(list, answer.clients.length === 0 ? h('p', { class: 'muted' }, 'No clients yet.') : h('div', { class: 'table-scroll' },
      h('table', { class: 'table', 'aria-label': 'OAuth clients' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Client ID'),
          h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Redirect URI'),
          h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', {}, answer.clients.map((client) => {
          const remove = h('button', {
            type: 'button', class: 'btn btn-ghost btn-sm btn-ghost-danger', 'aria-label': `Delete client ${client.name}`,
          }, 'Delete');
          remove.addEventListener('click', async () => {
            remove.disabled = true;
            try {
              await api.deleteProductClient(product, client.id);
              await load();
            } catch (failure) {
              replace(error, failure.message);
              remove.disabled = false;
            }
          });
          return h('tr', {}, h('td', {}, client.name), h('td', {}, h('code', {}, client.id)), h('td', {}, client.type),
            h('td', {}, client.redirect_uri ?? ''), h('td', { class: 'cell-actions' }, remove));
        })))));
  }

  return { el, load };
}
