// A product's Logs (console-guide.md, "Logs"): the Event Logs view over the product's event stream,
// which carries every product device's events (and their spark/* system events) whoever owns the device,
// under the product's recent stored events.

import { h } from '../lib/dom.js';
import { eventLogs } from './event-logs.js';

export function productLogsPage(main, { params, shell }) {
  const product = params[0];
  shell.setTrail?.([{ label: 'Products', href: '/products' }, { label: product }, { label: 'Logs' }]);
  const view = eventLogs({ streamPath: `/v1/products/${encodeURIComponent(product)}/events`, product });
  main.append(
    h('div', { class: 'page-header' },
      h('div', {},
        h('h1', { class: 'page-title', tabindex: '-1' }, 'Logs'),
        h('p', { class: 'page-subtitle' }, 'Events from this product’s devices: the latest stored ones, then each as it arrives.')),
      h('div', { class: 'page-actions' }, view.live)),
    view.el);
  return view.close;
}
