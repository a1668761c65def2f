import { h } from '../lib/dom.js';

export function notFoundPage(main, { shell }) {
  shell.setTrail([{ label: 'Not found' }]);
  main.append(h('div', { class: 'empty-state' },
    h('h1', { class: 'empty-title' }, 'There is no page here'),
    h('p', { class: 'muted' }, 'The address may be mistyped, or the page may not be built yet.'),
    h('a', { class: 'btn btn-primary', href: '/devices' }, 'Go to Devices')));
}
