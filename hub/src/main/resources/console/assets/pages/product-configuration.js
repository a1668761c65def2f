// A product's Configuration page: the guide's questions before manufacturing, with their saved
// answers. Some change behaviour (how customers log in, private beta, devices joining at their
// handshake); the product's name and description are edited here too.

import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { h, replace } from '../lib/dom.js';
import { platformName } from '../lib/format.js';
import { session } from '../lib/session.js';

/** The questions, by section of the guide; `key` is the API's settings key. */
const SECTIONS = [
  { title: 'Customers', questions: [
    { key: 'authentication', label: 'How will your customers log in?', choices: [
      ['simple', 'Simple authentication', 'Customers create an account through your product\'s OAuth client and use the API directly.'],
      ['two_legged', 'Two-legged authentication', 'Your server creates customers without a password and gets scoped tokens for them.'],
      ['oauth', 'Login with Drover (OAuth)', 'Customers log in to Drover from your web app and grant it access (authorization code).'],
    ] },
    { key: 'private_beta', label: 'Is this a private beta?', choices: [
      [true, 'Yes, by invitation', 'Customers need a 4-character activation code to claim a device.'],
      [false, 'No, open to anyone', 'Any customer may claim a device of the product.'],
    ] },
  ] },
  { title: 'Firmware', questions: [
    { key: 'manufacturing_programming', label: 'When are devices programmed with your firmware?', choices: [
      [true, 'During manufacturing', 'Devices work out of the box; the binary is final before manufacturing.'],
      [false, 'At customer setup', 'Devices get the released firmware over the air when they first connect.'],
    ] },
  ] },
  { title: 'Working with Drover', questions: [
    { key: 'auto_approve_devices', label: 'May devices join the product on their own?', choices: [
      [true, 'Yes', 'A device reporting this product ID at its handshake joins the product without an import.'],
      [false, 'No, import them', 'Only devices imported into the product join it.'],
    ] },
  ] },
];

export function productConfigurationPage(main, { params, shell, navigate }) {
  const idOrSlug = params[0];
  let alive = true;
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading the configuration…'));
  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Configuration'),
        h('p', { class: 'page-subtitle' },
          'Key decisions to make before manufacturing. You need not know every answer now; answer all before you start manufacturing.'))),
    body);
  shell.setTrail([{ label: 'Products', href: '/products' }, { label: idOrSlug }, { label: 'Configuration' }]);

  Promise.all([shell.product() ?? api.product(idOrSlug).then((a) => a.product), api.productSettings(idOrSlug),
    session.account() ?? api.me()])
    .then(([product, settings, account]) => {
      if (!alive) return;
      shell.setTrail([{ label: 'Products', href: '/products' }, { label: product.name, href: `/products/${encodeURIComponent(idOrSlug)}` },
        { label: 'Configuration' }]);
      replace(body, overview(product, shell, idOrSlug), questions(product, settings, idOrSlug),
        (account.admin || account.username === product.owner) && deletion(product, shell, navigate));
    })
    .catch((failure) => {
      if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
    });

  return () => {
    alive = false;
  };
}

function overview(product, shell, idOrSlug) {
  const may = product.permissions.includes('manage_settings');
  const name = h('input', { id: 'overview-name', class: 'input', value: product.name, maxlength: 100, disabled: !may });
  const description = h('textarea', { id: 'overview-description', class: 'input textarea', maxlength: 2000, disabled: !may });
  description.value = product.description;
  const status = h('span', { class: 'save-status', role: 'status', 'data-role': 'overview-status' });
  const save = h('button', { type: 'submit', class: 'btn btn-secondary', disabled: !may, 'data-action': 'save-overview' }, 'Save');
  const form = h('form', { class: 'card', 'aria-labelledby': 'overview-title' },
    h('div', { class: 'card-header' }, h('h2', { id: 'overview-title', class: 'card-title' }, 'Overview')),
    h('div', { class: 'card-body stack' },
      h('dl', { class: 'details details-left' },
        h('dt', {}, 'Product ID'), h('dd', { class: 'mono' }, String(product.id)),
        h('dt', {}, 'Slug'), h('dd', { class: 'mono' }, product.slug),
        h('dt', {}, 'Device type'), h('dd', {}, platformName(product.platform_id))),
      product.type === 'tracker' && h('p', {}, h('a', {
        href: `/products/${encodeURIComponent(idOrSlug)}/tracker-settings`, 'data-action': 'tracker-settings',
      }, 'Asset Tracker settings'), h('span', { class: 'muted' }, ': location, motion and LED settings of the fleet, and their sync state')),
      h('div', { class: 'field' }, h('label', { for: 'overview-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'overview-description' }, 'Description'), description),
      h('div', { class: 'form-footer' }, status, save)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.disabled = true;
    replace(status, 'Saving…');
    delete status.dataset.state;
    try {
      await api.editProduct(idOrSlug, { name: name.value.trim(), description: description.value.trim() });
      status.dataset.state = 'ok';
      replace(status, 'Saved');
      shell.forgetProduct(idOrSlug);
    } catch (failure) {
      status.dataset.state = 'error';
      replace(status, failure.message);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function questions(product, { settings, answered }, idOrSlug) {
  const may = product.permissions.includes('manage_settings');
  const inputs = new Map();
  const status = h('span', { class: 'save-status', role: 'status', 'data-role': 'settings-status' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', disabled: !may, 'data-action': 'save-settings' }, 'Save answers');
  const form = h('form', { class: 'stack', 'data-role': 'configuration' },
    !may && h('div', { class: 'callout callout-info' }, 'Your role may read these answers but not change them.'),
    SECTIONS.map((section) => h('section', { class: 'card' },
      h('div', { class: 'card-header' }, h('h2', { class: 'card-title' }, section.title)),
      h('div', { class: 'card-body stack' }, section.questions.map((question) => {
        const isAnswered = answered.includes(question.key);
        const radios = question.choices.map(([value, label, hint]) => {
          const input = h('input', {
            type: 'radio', name: question.key, value: String(value), id: `${question.key}-${value}`, disabled: !may,
            checked: isAnswered && settings[question.key] === value,
          });
          return h('label', { class: 'choice', for: input.id }, input,
            h('span', {}, h('span', { class: 'choice-label' }, label), h('span', { class: 'hint' }, hint)));
        });
        inputs.set(question.key, question);
        return h('fieldset', { class: 'question', 'data-question': question.key },
          h('legend', {}, question.label, !isAnswered && h('span', { class: 'badge badge-neutral badge-gap', 'data-role': 'unanswered' },
            'Not answered yet')),
          radios);
      })))),
    h('div', { class: 'form-footer' }, status, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const change = {};
    for (const [key, question] of inputs) {
      const checked = form.querySelector(`input[name="${key}"]:checked`);
      if (!checked) continue;
      const choice = question.choices.find(([value]) => String(value) === checked.value);
      change[key] = choice[0];
    }
    if (Object.keys(change).length === 0) {
      status.dataset.state = 'error';
      replace(status, 'Answer at least one question first.');
      return;
    }
    save.disabled = true;
    replace(status, 'Saving…');
    delete status.dataset.state;
    try {
      const saved = await api.saveProductSettings(idOrSlug, change);
      for (const key of saved.answered) form.querySelector(`[data-question="${key}"] [data-role=unanswered]`)?.remove();
      status.dataset.state = 'ok';
      replace(status, 'Saved');
    } catch (failure) {
      status.dataset.state = 'error';
      replace(status, failure.message);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

/** Only the owner and node administrators may delete a product; the API checks it too. */
function deletion(product, shell, navigate) {
  const error = h('span', { class: 'field-error', role: 'alert' });
  const remove = h('button', { type: 'button', class: 'btn btn-danger', 'data-action': 'delete-product' }, 'Delete product');
  remove.addEventListener('click', async () => {
    if (!await confirmDialog({
      title: `Delete ${product.name}?`, text: 'Its devices leave it; its team, groups, API users and customers are deleted. This cannot be undone.',
      typed: product.name, confirmLabel: 'Delete product',
    })) return;
    remove.disabled = true;
    try {
      await api.deleteProduct(product.id);
      shell.forgetProduct(String(product.id));
      shell.forgetProduct(product.slug);
      navigate('/products');
    } catch (failure) {
      remove.disabled = false;
      replace(error, failure.message);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'delete-title' },
    h('div', { class: 'card-header' }, h('h2', { id: 'delete-title', class: 'card-title' }, 'Delete this product')),
    h('div', { class: 'card-body stack-sm' },
      h('p', { class: 'muted' }, 'Its devices leave the product and keep their owners; the product ID is never reused.'),
      h('div', { class: 'form-footer' }, error, remove)));
}
