// A path the Console has no page for (the server answered it 404 with the Console): said inside the
// sidebar the path belongs to, a product's below /products/:id/, the Console's elsewhere.

import { h } from '../lib/dom.js';

export function notFoundPage(main, { shell }) {
  shell.setTrail([{ label: 'Not found' }]);
  document.title = 'Not found · Drover Console';
  const product = /^\/products\/([^/]+)\//.exec(location.pathname);
  const home = product
    ? h('a', { class: 'btn btn-primary', href: `/products/${product[1]}` }, 'Go to the product')
    : h('a', { class: 'btn btn-primary', href: '/devices' }, 'Go to Devices');
  main.append(h('div', { class: 'empty-state', 'data-role': 'not-found' },
    h('h1', { class: 'empty-title page-title', tabindex: '-1' }, 'There is no page here'),
    h('p', { class: 'muted' }, 'The address ', h('code', {}, location.pathname), ' may be mistyped, or the page may have moved.'),
    home));
}
