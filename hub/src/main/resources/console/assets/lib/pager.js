// The pager under a paged list: where the list is, and Previous / Next. The pages keep their own state
// (a page number in the address, a server's meta); the pager only draws it and says which page to go to.

import { h } from './dom.js';

/**
 * @param page the page shown, from 1
 * @param pages how many pages there are
 * @param text what the pager says ("1–50 of 1,234"; default "Page 2 of 7")
 * @param go called with the page to show
 */
export function pager({ page, pages, text = null, go }) {
  return h('div', { class: 'pager', 'data-role': 'pager' },
    h('span', { class: 'muted', 'data-role': 'page-of' }, text ?? `Page ${page.toLocaleString()} of ${pages.toLocaleString()}`),
    h('div', { class: 'pager-buttons' },
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', disabled: page <= 1, onclick: () => go(page - 1), 'data-action': 'previous-page' }, 'Previous'),
      h('button', { type: 'button', class: 'btn btn-secondary btn-sm', disabled: page >= pages, onclick: () => go(page + 1), 'data-action': 'next-page' }, 'Next')));
}

/** "51–100 of 1,234": the rows a page of `perPage` shows. */
export function rangeText(page, perPage, total) {
  const first = (page - 1) * perPage + 1;
  return `${first.toLocaleString()}–${Math.min(total, first + perPage - 1).toLocaleString()} of ${total.toLocaleString()}`;
}
