// A product's Team page: members with their roles, pending invitations, API users; invite by
// email, change a role, remove, leave. What the caller's role may not do is not offered (the API
// refuses it anyway).

import { api } from '../lib/api.js';
import { confirmDialog, showModal } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { timeAgo } from '../lib/format.js';
import { session } from '../lib/session.js';
import { secretField } from '../lib/ui.js';
import { ROLE_LABELS } from './shell.js';

const ROLES = ['administrator', 'developer', 'support', 'view_only'];
const ROLE_HINTS = {
  administrator: 'Everything, including the team and billing.',
  developer: 'Devices, firmware, customers and settings; not the team or billing.',
  support: 'Sees everything, operates devices and manages customers.',
  view_only: 'Sees everything, changes nothing.',
};
/** The scopes the API user dialog offers (the API knows a few more; see docs/api.md). */
const SCOPES = ['devices:list', 'devices:get', 'devices:update', 'devices:import', 'devices:remove', 'devices.function:call',
  'devices.variable:get', 'events:get', 'events:send', 'groups:list', 'groups:update', 'firmware:list', 'firmware:create',
  'firmware:release', 'customers:list', 'customers:create', 'customers:remove', 'configuration:get', 'configuration:update'];

export function productTeamPage(main, { params, shell, navigate }) {
  const idOrSlug = params[0];
  let alive = true;
  let product = null;
  let me = null;
  const subtitle = h('p', { class: 'page-subtitle' }, 'Loading the team…');
  const actions = h('div', { class: 'page-actions' });
  const body = h('div', { class: 'stack' });
  main.append(
    h('div', { class: 'page-header' },
      h('div', {}, h('h1', { class: 'page-title', tabindex: '-1' }, 'Team'), subtitle),
      actions),
    body);
  shell.setTrail([{ label: 'Products', href: '/products' }, { label: idOrSlug }, { label: 'Team' }]);

  async function load() {
    try {
      const [loaded, team, account] = await Promise.all([shell.product() ?? api.product(idOrSlug).then((a) => a.product),
        api.team(idOrSlug), session.account() ?? api.me()]);
      if (!alive) return;
      me = account.username;
      product = loaded;
      shell.setTrail([{ label: 'Products', href: '/products' }, { label: product.name, href: `/products/${encodeURIComponent(idOrSlug)}` },
        { label: 'Team' }]);
      draw(team);
    } catch (failure) {
      if (!alive) return;
      replace(subtitle);
      replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
    }
  }

  function draw(team) {
    const manage = product.permissions.includes('manage_team');
    const { used, max, plan } = team.limit;
    replace(subtitle, max === null ? `${used} members` : `${used} of ${max} seats used on the ${plan} plan (pending invitations included)`);
    const full = max !== null && used >= max;
    replace(actions,
      manage && h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'new-api-user', onclick: () => apiUserDialog() },
        icon('plus'), 'New API user'),
      manage && h('button', {
        type: 'button', class: 'btn btn-primary', 'data-action': 'invite', disabled: full,
        title: full ? `The ${plan} plan allows ${max} team members` : null, onclick: () => inviteDialog(),
      }, icon('plus'), 'Invite team member'));

    const memberRows = team.team.map((member) => h('tr', { 'data-username': member.username },
      h('td', {}, h('span', { class: 'device-name' }, member.username),
        member.is_owner && h('span', { class: 'badge badge-neutral badge-gap' }, 'Owner'),
        member.username === me && h('span', { class: 'muted small' }, ' (you)')),
      h('td', { 'data-role': 'role' }, manage && !member.is_owner
        ? roleSelect(member.role, `Role of ${member.username}`, (role) => api.changeRole(idOrSlug, member.username, role))
        : h('span', { 'data-value': member.role }, ROLE_LABELS[member.role] ?? member.role)),
      h('td', {}, timeAgo(member.joined_at)),
      h('td', { class: 'cell-actions' },
        !member.is_owner && member.username === me
          ? h('button', { type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'leave',
            onclick: () => remove(member.username, 'Leave this product? You lose access to it.', true) }, 'Leave')
          : !member.is_owner && manage && h('button', { type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'remove',
            onclick: () => remove(member.username, `Remove ${member.username} from the team?`) }, 'Remove'))));

    replace(body,
      h('section', { class: 'card table-card', 'aria-labelledby': 'members-title' },
        h('div', { class: 'card-header' }, h('h2', { id: 'members-title', class: 'card-title' }, 'Members')),
        h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'aria-label': 'Team members', 'data-role': 'members' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col' }, 'Role'),
            h('th', { scope: 'col' }, 'Joined'), h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
          h('tbody', {}, memberRows)))),
      team.invitations.length > 0 && h('section', { class: 'card table-card', 'aria-labelledby': 'invitations-title' },
        h('div', { class: 'card-header' }, h('h2', { id: 'invitations-title', class: 'card-title' }, 'Pending invitations'),
          h('p', { class: 'card-lead muted' }, 'They see the invitation when they next open the Console.')),
        h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'aria-label': 'Pending invitations', 'data-role': 'invitations' },
          h('tbody', {}, team.invitations.map((invitation) => h('tr', { 'data-username': invitation.username },
            h('td', {}, invitation.username),
            h('td', { 'data-role': 'role' }, h('span', { 'data-value': invitation.role }, ROLE_LABELS[invitation.role] ?? invitation.role)),
            h('td', {}, 'Invited ', timeAgo(invitation.invited_at)),
            h('td', { class: 'cell-actions' }, manage && h('button', {
              type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'cancel-invitation',
              onclick: () => remove(invitation.username, `Cancel the invitation of ${invitation.username}?`),
            }, 'Cancel invitation')))))))),
      h('section', { class: 'card table-card', 'aria-labelledby': 'api-users-title' },
        h('div', { class: 'card-header' }, h('h2', { id: 'api-users-title', class: 'card-title' }, 'API users'),
          h('p', { class: 'card-lead muted' }, 'Programmatic members: each has a token limited to its scopes, in this product only.')),
        team.api_users.length === 0
          ? h('div', { class: 'card-body' }, h('p', { class: 'card-empty' }, 'No API users.'))
          : h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'aria-label': 'API users', 'data-role': 'api-users' },
            h('tbody', {}, team.api_users.map((user) => h('tr', { 'data-username': user.username },
              h('td', {}, h('span', { class: 'device-name' }, user.friendly_name), h('div', { class: 'muted small mono' }, user.username)),
              h('td', { class: 'small' }, user.scopes.join(', ')),
              h('td', { class: 'cell-actions' }, manage && h('button', {
                type: 'button', class: 'btn btn-ghost-danger btn-sm', 'data-action': 'delete-api-user',
                onclick: () => remove(user.username, `Delete the API user ${user.friendly_name}? Its token stops working at once.`),
              }, 'Delete')))))))));
  }

  function roleSelect(current, label, save) {
    const select = h('select', { class: 'input input-sm role-select', 'aria-label': label, 'data-value': current },
      ROLES.map((role) => h('option', { value: role, selected: role === current }, ROLE_LABELS[role])));
    const status = h('span', { class: 'save-status', role: 'status' });
    select.addEventListener('change', async () => {
      select.disabled = true;
      replace(status, 'Saving…');
      try {
        await save(select.value);
        select.dataset.value = select.value;
        status.dataset.state = 'ok';
        replace(status, 'Saved');
      } catch (failure) {
        select.value = select.dataset.value;
        status.dataset.state = 'error';
        replace(status, failure.message);
      } finally {
        select.disabled = false;
      }
    });
    return h('span', { class: 'role-cell' }, select, status);
  }

  async function remove(username, question, leaving = false) {
    // a refusal (the last administrator leaving, say) shows in the dialog
    if (!await confirmDialog({
      title: question, confirmLabel: leaving ? 'Leave team' : 'Remove', action: () => api.removeFromTeam(idOrSlug, username),
    })) return;
    if (leaving) {
      shell.forgetProduct(idOrSlug);
      navigate('/products');
    } else {
      load();
    }
  }

  function inviteDialog() {
    const email = h('input', { id: 'invite-email', type: 'email', class: 'input', required: true, autocomplete: 'off', spellcheck: 'false' });
    const role = h('select', { id: 'invite-role', class: 'input' },
      ROLES.map((r) => h('option', { value: r, selected: r === 'developer' }, ROLE_LABELS[r])));
    const hint = h('p', { class: 'hint' }, ROLE_HINTS.developer);
    role.addEventListener('change', () => replace(hint, ROLE_HINTS[role.value]));
    modal({
      title: 'Invite team member',
      submitLabel: 'Send invitation',
      fields: [
        h('p', {}, 'The person must already have an account on this node with this email address.'),
        h('div', { class: 'field' }, h('label', { for: 'invite-email' }, 'Email'), email),
        h('div', { class: 'field' }, h('label', { for: 'invite-role' }, 'Role'), role, hint)],
      focus: email,
      async submit() {
        await api.invite(idOrSlug, email.value.trim(), role.value);
        load();
        return true;
      },
    });
  }

  function apiUserDialog() {
    const name = h('input', { id: 'api-user-name', class: 'input', required: true, maxlength: 100, autocomplete: 'off' });
    const boxes = SCOPES.map((scope) => h('input', { type: 'checkbox', value: scope, id: `scope-${scope}` }));
    const result = h('div', { class: 'stack-sm', 'data-role': 'api-user-token' });
    modal({
      title: 'New API user',
      submitLabel: 'Create API user',
      fields: [
        h('div', { class: 'field' }, h('label', { for: 'api-user-name' }, 'Name'), name),
        h('fieldset', { class: 'scopes' }, h('legend', {}, 'Scopes'),
          boxes.map((box) => h('label', { class: 'check', for: box.id }, box, h('code', {}, box.value)))),
        result],
      focus: name,
      async submit() {
        const scopes = boxes.filter((box) => box.checked).map((box) => box.value);
        const { created } = await api.createApiUser(idOrSlug, name.value.trim(), scopes);
        replace(result, h('div', { class: 'callout callout-warning' }, icon('warning', 'callout-icon'),
          h('div', { class: 'stack-sm' }, h('p', {}, h('strong', {}, 'Copy this token now: '), 'it is shown only once.'),
            secretField(created.tokens[0].token, 'Access token'))));
        load();
        return false; // stays open so the token can be copied
      },
    });
  }

  load();
  return () => {
    alive = false;
  };
}

/** A modal form; `submit` returns whether to close. Errors show in the dialog with the API's words. */
function modal({ title, submitLabel, fields, focus, submit }) {
  const error = h('div', { class: 'form-error', role: 'alert', 'data-role': 'dialog-error' });
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'cancel' }, 'Close');
  const ok = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'submit' }, submitLabel);
  const form = h('form', { class: 'dialog-body', novalidate: true },
    h('h2', { id: 'team-dialog-title', class: 'dialog-title' }, title), fields, error,
    h('div', { class: 'dialog-actions' }, cancel, ok));
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'team-dialog-title' }, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(error);
    ok.disabled = true;
    try {
      if (await submit()) dialog.close();
    } catch (failure) {
      replace(error, failure.message);
    } finally {
      ok.disabled = false;
    }
  });
  showModal(dialog, focus);
}
