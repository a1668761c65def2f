// Settings: the account's profile, changing its password, its access tokens (each revocable, this
// Console's own session among them) and its OAuth clients, as GET/PUT /v1/user, /v1/access_tokens
// and /v1/clients answer them.

import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { exactTime, timeAgo } from '../lib/format.js';
import { session } from '../lib/session.js';
import { secretField } from '../lib/ui.js';

export function settingsPage(main, { shell }) {
  shell.setTrail([{ label: 'Settings' }]);
  document.title = 'Settings · Drover Console';
  let alive = true;
  const account = session.account();
  const tokens = h('div', { 'data-role': 'tokens' }, h('p', { class: 'muted' }, 'Loading tokens…'));
  const clients = h('div', { 'data-role': 'clients' }, h('p', { class: 'muted' }, 'Loading clients…'));

  const showTokens = () => api.accessTokens().then((list) => {
    if (alive) replace(tokens, tokenTable(list, showTokens));
  }).catch((failure) => alive && replace(tokens, errorBox(failure)));
  const showClients = () => api.clients().then(({ clients: list }) => {
    if (alive) replace(clients, clientTable(list, showClients, showTokens));
  }).catch((failure) => alive && replace(clients, errorBox(failure)));

  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Settings'),
        h('p', { class: 'page-subtitle' }, 'Your profile, password, access tokens and OAuth clients.'))),
    h('section', { class: 'card settings-card', 'data-role': 'profile', 'aria-labelledby': 'profile-title' },
      h('h2', { id: 'profile-title', class: 'card-title' }, 'Profile'),
      h('dl', { class: 'details' },
        h('dt', {}, 'Email'), h('dd', { 'data-role': 'username' }, account?.username ?? ''),
        h('dt', {}, 'Role'), h('dd', {}, account?.admin ? 'Administrator of this node' : 'Account'))),
    h('section', { class: 'card settings-card', 'aria-labelledby': 'password-title' },
      h('h2', { id: 'password-title', class: 'card-title' }, 'Change password'),
      passwordForm(showTokens)),
    h('section', { class: 'card settings-card', 'aria-labelledby': 'tokens-title' },
      h('h2', { id: 'tokens-title', class: 'card-title' }, 'Access tokens'),
      h('p', { class: 'muted' }, 'The tokens your account holds: this Console\'s sessions (client drover-console), the CLI\'s, your scripts\'. ',
        'Revoking one signs it out at once; revoking this session\'s signs you out here.'),
      tokens),
    h('section', { class: 'card settings-card', 'aria-labelledby': 'clients-title' },
      h('h2', { id: 'clients-title', class: 'card-title' }, 'OAuth clients'),
      h('p', { class: 'muted' }, 'Clients your scripts and apps log in as. Deleting one revokes every token issued through it.'),
      clients, newClientForm(showClients)));
  showTokens();
  showClients();
  return () => {
    alive = false;
  };
}

function passwordForm(changed) {
  const current = h('input', { id: 'current-password', type: 'password', class: 'input', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'new-password', type: 'password', class: 'input', autocomplete: 'new-password', required: true,
    'aria-describedby': 'new-password-hint' });
  const again = h('input', { id: 'repeat-password', type: 'password', class: 'input', autocomplete: 'new-password', required: true });
  const status = h('div', { class: 'form-error', role: 'alert', 'data-role': 'password-status' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'change-password' }, 'Change password');
  const form = h('form', { class: 'stack narrow-form', novalidate: true, 'data-role': 'password-form' },
    h('div', { class: 'field' }, h('label', { for: 'current-password' }, 'Current password'), current),
    h('div', { class: 'field' }, h('label', { for: 'new-password' }, 'New password'), next,
      h('p', { id: 'new-password-hint', class: 'hint' }, 'At least 8 characters. Your other sessions and tokens are signed out.')),
    h('div', { class: 'field' }, h('label', { for: 'repeat-password' }, 'New password again'), again),
    status, h('div', {}, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.className = 'form-error';
    replace(status);
    if (!current.value || !next.value) {
      replace(status, 'Enter your current password and a new one.');
      return;
    }
    if (next.value !== again.value) {
      replace(status, 'The two new passwords differ.');
      again.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.changePassword(current.value, next.value);
      form.reset();
      status.className = 'form-success';
      replace(status, 'Password changed. Your other sessions and tokens were signed out.');
      changed();
    } catch (failure) {
      replace(status, failure.message);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function tokenTable(list, reload) {
  if (list.length === 0) return h('p', { class: 'muted' }, 'No live tokens.');
  return h('div', { class: 'table-scroll' },
    h('table', { class: 'table', 'aria-label': 'Access tokens' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Token ID'), h('th', { scope: 'col' }, 'Client'),
        h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, 'Expires'),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', {}, list.map((token) => h('tr', { 'data-token-id': token.token },
        h('td', { class: 'mono' }, token.token),
        h('td', {}, token.client),
        h('td', { title: exactTime(token.created_at) }, timeAgo(token.created_at)),
        h('td', {}, exactTime(token.expires_at)),
        h('td', { class: 'cell-actions' }, h('button', {
          type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'revoke-token',
          // a failure shows in the dialog, which stays open for another try
          onclick: async () => {
            if (await confirmDialog({
              title: `Revoke token ${token.token}?`, text: 'Whatever uses it is signed out at once.', confirmLabel: 'Revoke token',
              action: () => api.revokeToken(token.token),
            })) reload();
          },
        }, 'Revoke')))))));
}

function clientTable(list, reload, reloadTokens) {
  if (list.length === 0) return h('p', { class: 'muted', 'data-role': 'no-clients' }, 'No OAuth clients yet.');
  return h('div', { class: 'table-scroll' },
    h('table', { class: 'table', 'aria-label': 'OAuth clients' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Client ID'), h('th', { scope: 'col' }, 'Type'),
        h('th', { scope: 'col' }, 'Redirect URI'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', {}, list.map((client) => h('tr', { 'data-client-id': client.id },
        h('td', {}, client.name), h('td', { class: 'mono' }, client.id), h('td', {}, client.type),
        h('td', { class: 'muted' }, client.redirect_uri ?? '—'),
        h('td', { class: 'cell-actions' }, h('button', {
          type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'delete-client',
          onclick: async () => {
            if (!await confirmDialog({
              title: `Delete client ${client.name}?`, text: 'Every token issued through it is revoked.', confirmLabel: 'Delete client',
              action: () => api.deleteClient(client.id),
            })) return;
            reload();
            reloadTokens();
          },
        }, 'Delete')))))));
}

function newClientForm(created) {
  const name = h('input', { id: 'client-name', class: 'input', maxlength: 200, autocomplete: 'off', required: true });
  const type = h('select', { id: 'client-type', class: 'input' },
    h('option', { value: 'installed' }, 'Installed (a script, the CLI)'), h('option', { value: 'web' }, 'Web (redirects back)'));
  const redirect = h('input', { id: 'client-redirect', class: 'input', type: 'url', placeholder: 'https://example.com/callback' });
  const redirectField = h('div', { class: 'field', hidden: true }, h('label', { for: 'client-redirect' }, 'Redirect URI'), redirect);
  type.addEventListener('change', () => {
    redirectField.hidden = type.value !== 'web';
  });
  const status = h('div', { class: 'form-error', role: 'alert' });
  const secret = h('div', { 'data-role': 'client-secret' });
  const submit = h('button', { type: 'submit', class: 'btn btn-secondary', 'data-action': 'create-client' }, icon('plus'), 'Create client');
  const form = h('form', { class: 'stack narrow-form', novalidate: true },
    h('h3', { class: 'subsection-title' }, 'New client'),
    h('div', { class: 'field' }, h('label', { for: 'client-name' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'client-type' }, 'Type'), type),
    redirectField, status, h('div', {}, submit), secret);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(status);
    replace(secret);
    if (!name.value.trim()) {
      replace(status, 'Give the client a name.');
      name.focus();
      return;
    }
    submit.disabled = true;
    try {
      const { client } = await api.createClient({
        name: name.value.trim(), type: type.value, ...(type.value === 'web' ? { redirect_uri: redirect.value.trim() } : {}),
      });
      form.reset();
      redirectField.hidden = true;
      replace(secret, h('div', { class: 'callout callout-info stack-sm', role: 'status' },
        h('p', {}, `Client ${client.id} created. Its secret is shown this once:`),
        secretField(client.secret, 'Client secret')));
      created();
    } catch (failure) {
      replace(status, failure.message);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function errorBox(failure) {
  return h('div', { class: 'callout callout-error', role: 'alert' }, failure.message);
}
