// A product's device groups: name, description, color and how many devices each holds; create, edit
// (a new name renames the group and keeps its devices) and delete. Devices join groups from the
// Devices page's selection.

import { api } from '../lib/api.js';
import { confirmDialog } from '../lib/dialog.js';
import { h, icon, replace } from '../lib/dom.js';
import { plural } from '../lib/format.js';

const NAME_RULE = 'Use 1 to 64 lower-case letters, digits, - or _.';

export function productGroupsPage(main, { params, shell }) {
  const product = params[0];
  shell.setTrail?.([{ label: 'Products', href: '/products' }, { label: product }, { label: 'Groups' }]);
  let alive = true;

  const summary = h('p', { class: 'page-subtitle' }, 'Loading…');
  const newButton = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'new-group', 'data-needs': 'manage_devices' }, icon('plus'), 'New group');
  const editor = h('div', {});
  const body = h('div', {});
  main.append(
    h('div', { class: 'page-header' },
      h('div', {}, h('h1', { class: 'page-title', tabindex: '-1' }, 'Groups'), summary),
      h('div', { class: 'page-actions' }, newButton)),
    editor,
    body);
  newButton.addEventListener('click', () => edit(null));

  async function load() {
    let groups;
    try {
      groups = (await api.productGroups(product)).groups;
    } catch (failure) {
      if (alive) replace(body, h('div', { class: 'callout callout-error', role: 'alert' }, `The groups could not be loaded: ${failure.message}`));
      return;
    }
    if (!alive) return;
    summary.textContent = groups.length === 0 ? 'No groups yet' : plural(groups.length, 'group', 'groups');
    if (groups.length === 0) {
      replace(body, h('div', { class: 'card empty-state', 'data-role': 'no-groups' },
        h('h2', { class: 'empty-title' }, 'No groups yet'),
        h('p', { class: 'muted empty-text' }, 'Groups sort a fleet: release firmware to a group, or filter the device list by one.')));
      return;
    }
    replace(body, h('div', { class: 'card table-card' }, h('div', { class: 'table-scroll' },
      h('table', { class: 'table', 'aria-label': 'Groups' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Name'),
          h('th', { scope: 'col' }, 'Description'),
          h('th', { scope: 'col' }, 'Devices'),
          h('th', { scope: 'col' }, 'Firmware'),
          h('th', { scope: 'col', class: 'col-actions' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', {}, groups.map(groupRow))))));
  }

  function groupRow(group) {
    const swatch = h('span', { class: 'group-swatch', 'aria-hidden': 'true' });
    swatch.style.setProperty('background', group.color); // the CSSOM: style attributes are refused by the CSP
    const editButton = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'data-action': 'edit-group', 'data-needs': 'manage_devices', 'aria-label': `Edit ${group.name}` }, 'Edit');
    const deleteButton = h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm btn-ghost-danger', 'data-action': 'delete-group', 'data-needs': 'manage_devices', 'aria-label': `Delete ${group.name}`,
    }, 'Delete');
    editButton.addEventListener('click', () => edit(group));
    deleteButton.addEventListener('click', async () => {
      if (!await confirmDialog({
        title: `Delete the group ${group.name}?`, text: `Its ${plural(group.device_count, 'device leaves', 'devices leave')} it.`, confirmLabel: 'Delete group',
      })) return;
      try {
        await api.deleteProductGroup(product, group.name);
        load();
      } catch (failure) {
        replace(editor, h('div', { class: 'callout callout-error', role: 'alert' }, failure.message));
      }
    });
    return h('tr', { dataset: { group: group.name } },
      h('td', {}, swatch, ' ', h('strong', {}, group.name)),
      h('td', {}, group.description),
      h('td', { 'data-role': 'device-count' }, String(group.device_count)),
      h('td', {}, group.fw_version ?? h('span', { class: 'muted' }, '—')),
      h('td', { class: 'cell-actions' }, editButton, deleteButton));
  }

  /** The form for a new group (group null) or for changing one. */
  function edit(group) {
    const name = h('input', { id: 'group-name', class: 'input', value: group?.name ?? '', maxlength: '64', autocomplete: 'off', spellcheck: 'false' });
    const description = h('input', { id: 'group-description', class: 'input', value: group?.description ?? '', maxlength: '500' });
    const color = h('input', { id: 'group-color', type: 'color', value: group?.color ?? '#1f77b4' });
    const error = h('div', { class: 'form-error', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-action': 'save-group' }, group ? 'Save' : 'Create group');
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Cancel');
    const form = h('form', { class: 'card card-body stack', 'data-role': 'group-form' },
      h('h2', { class: 'card-title' }, group ? `Edit ${group.name}` : 'New group'),
      h('div', { class: 'field' }, h('label', { for: 'group-name' }, 'Name'), name, h('p', { class: 'hint' }, NAME_RULE)),
      h('div', { class: 'field' }, h('label', { for: 'group-description' }, 'Description'), description),
      h('div', { class: 'field' }, h('label', { for: 'group-color' }, 'Color'), color),
      error,
      h('div', { class: 'form-footer' }, cancel, save));
    cancel.addEventListener('click', () => replace(editor));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = { name: name.value.trim(), description: description.value, color: color.value };
      if (!/^[a-z0-9_-]{1,64}$/.test(values.name)) {
        replace(error, NAME_RULE);
        name.setAttribute('aria-invalid', 'true');
        name.focus();
        return;
      }
      save.disabled = true;
      try {
        if (group) await api.updateProductGroup(product, group.name, values);
        else await api.createProductGroup(product, values);
        replace(editor);
        load();
      } catch (failure) {
        replace(error, failure.message);
        save.disabled = false;
      }
    });
    replace(editor, form);
    name.focus();
  }

  load();
  return () => {
    alive = false;
  };
}
