// A traffic sparkline as small inline SVG: per hour a success bar, and the errors stacked on it.

import { h, svg } from './dom.js';
import { sparkBars, totals } from './integrations.js';

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * @param series hourlySeries(...): oldest first
 * @returns an element whose `data-success` and `data-error` carry the totals drawn
 */
export function sparkline(series, { width = 120, height = 24, label = 'Deliveries in the last 24 hours', stretch = false } = {}) {
  const sum = totals(series);
  const bars = sparkBars(series, width, height);
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, width, height, class: 'sparkline-chart', preserveAspectRatio: stretch ? 'none' : null, 'aria-hidden': 'true', focusable: 'false',
  },
  svg('line', { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: 'spark-base' }),
  bars.map((bar) => svg('g', {},
    svg('title', {}, `${hourFormat.format(bar.row.hour)}: ${bar.row.success} delivered, ${bar.row.error} failed`
      + (bar.row.skipped ? `, ${bar.row.skipped} skipped` : '')),
    bar.success.height > 0 && svg('rect', { x: bar.x, y: bar.success.y, width: bar.width, height: bar.success.height, class: 'spark-ok' }),
    bar.error.height > 0 && svg('rect', { x: bar.x, y: bar.error.y, width: bar.width, height: bar.error.height, class: 'spark-error' }))));
  return h('span', {
    class: 'sparkline', 'data-role': 'sparkline', dataset: { success: String(sum.success), error: String(sum.error) },
    title: `${label}: ${sum.success} delivered, ${sum.error} failed`,
  }, chart, h('span', { class: 'sr-only' }, `${label}: ${sum.success} delivered, ${sum.error} failed`));
}
