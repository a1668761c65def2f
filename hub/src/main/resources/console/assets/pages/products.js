// Products: the products the account is a member of, and "New Product" (name, device type,
// description). A product opens in its own console, under /products/:slug.

import { api } from '../lib/api.js';
import { showModal } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { platformName } from '../lib/format.js';
import { ROLE_LABELS } from './shell.js';

/** The device types a product can hold, as the API knows them (ProductPlatforms). */
const DEVICE_TYPES = [
  [13, 'Boron'], [12, 'Argon'], [32, 'P2'], [26, 'Tracker'], [23, 'B SoM'], [25, 'B5 SoM'], [22, 'A SoM'],
  [6, 'Photon'], [8, 'P1'], [10, 'Electron'], [14, 'Xenon'], [0, 'Core'],
];

export function productsPage(main, { shell, navigate }) {
  shell.setTrail([{ label: 'Products' }]);
  let alive = true;
  const body = h('div', { class: 'products-body' }, h('p', { class: 'muted' }, 'Loading your products…'));
  const create = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'new-product' }, icon('plus'), 'New Product');
  create.addEventListener('click', () => newProductDialog(navigate));

  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Products'),
        h('p', { class: 'page-subtitle' }, 'Fleets of one device type, with a team, customers and firmware releases.')),
      h('div', { class: 'page-actions' }, create)),
    body);

  api.products().then(({ products }) => {
    if (!alive) return;
    if (products.length === 0) {
      replace(body, h('div', { class: 'card empty-state', 'data-role': 'empty-products' },
        h('span', { class: 'empty-icon' }, icon('products')),
        h('h2', { class: 'empty-title' }, 'No products yet'),
        h('p', { class: 'empty-text muted' },
          'A product gathers devices of one type into a fleet you manage with a team: firmware releases, groups, customers.'),
        h('button', { type: 'button', class: 'btn btn-primary', onclick: () => newProductDialog(navigate) }, icon('plus'), 'New Product')));
      return;
    }
    replace(body, h('div', { class: 'card table-card' },
      h('div', { class: 'table-scroll' },
        h('table', { class: 'table', 'aria-label': 'Products' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Name'),
            h('th', { scope: 'col' }, 'Product ID'),
            h('th', { scope: 'col' }, 'Device type'),
            h('th', { scope: 'col' }, 'Your role'),
            h('th', { scope: 'col' }, 'Description'))),
          h('tbody', {}, products.map((product) => h('tr', { 'data-product-id': product.id },
            h('td', {}, h('a', { class: 'device-name', href: `/products/${encodeURIComponent(product.slug)}` }, product.name)),
            h('td', {}, h('span', { class: 'product-id-cell mono' }, icon('key'), String(product.id))),
            h('td', {}, platformName(product.platform_id)),
            h('td', {}, h('span', { class: 'badge badge-neutral' }, ROLE_LABELS[product.role] ?? product.role)),
            h('td', { class: 'muted' }, product.description || '—'))))))));
  }).catch((failure) => {
    if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
  });

  return () => {
    alive = false;
  };
}

/** The "New Product" modal; on success the new product opens. */
function newProductDialog(navigate) {
  const name = h('input', { id: 'product-name', class: 'input', required: true, maxlength: 100, autocomplete: 'off' });
  const type = h('select', { id: 'product-type', class: 'input', required: true },
    h('option', { value: '' }, 'Choose a device type'),
    DEVICE_TYPES.map(([id, label]) => h('option', { value: String(id) }, label)));
  const description = h('textarea', { id: 'product-description', class: 'input textarea', maxlength: 2000 });
  const error = h('div', { id: 'product-error', class: 'form-error', role: 'alert' });
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel' }, 'Cancel');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'create-product' }, 'Create product');
  const form = h('form', { class: 'dialog-body', novalidate: true },
    h('h2', { id: 'new-product-title', class: 'dialog-title' }, 'New Product'),
    h('div', { class: 'field' }, h('label', { for: 'product-name' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'product-type' }, 'Device type'), type,
      h('p', { class: 'hint' }, 'A product holds one type of device; it cannot change later.')),
    h('div', { class: 'field' }, h('label', { for: 'product-description' }, 'Description ', h('span', { class: 'muted' }, '(optional)')),
      description),
    error,
    h('div', { class: 'dialog-actions' }, cancel, submit));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'new-product-title' }, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    if (!name.value.trim()) {
      replace(error, 'Give the product a name.');
      name.focus();
      return;
    }
    if (!type.value) {
      replace(error, 'Choose the device type of the product.');
      type.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Creating…';
    try {
      const { product } = await api.createProduct({
        name: name.value.trim(), platform_id: Number(type.value), description: description.value.trim(),
      });
      dialog.close();
      navigate(`/products/${encodeURIComponent(product.slug)}`);
    } catch (failure) {
      replace(error, failure.message);
      submit.disabled = false;
      submit.textContent = 'Create product';
    }
  });
  showModal(dialog, name);
}
