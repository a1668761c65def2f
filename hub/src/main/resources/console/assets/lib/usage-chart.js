// A SIM's data usage by day as a uPlot chart: the library is the node's copy (its webjar, under
// /assets/vendor/uplot/), loaded when a chart is first drawn; nothing comes from a CDN.

/** uPlot's columns from an API `usage_by_day`: x in Unix seconds (UTC midnight), y in MB. Pure. */
export function usageSeries(usageByDay) {
  const days = [];
  const used = [];
  const cumulative = [];
  for (const day of usageByDay) {
    days.push(Date.parse(`${day.date}T00:00:00Z`) / 1000);
    used.push(day.mbs_used);
    cumulative.push(day.mbs_used_cumulative);
  }
  return [days, used, cumulative];
}

let library;

/** uPlot's module and stylesheet, once. */
function uPlot() {
  if (!library) {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/assets/vendor/uplot/uPlot.min.css';
    document.head.append(css);
    library = import('/assets/vendor/uplot/uPlot.esm.js').then((module) => module.default);
  }
  return library;
}

/** Draws the chart into `target` (emptied first); resolves with the uPlot instance. */
export async function drawUsageChart(target, usageByDay, { quota } = {}) {
  const Plot = await uPlot();
  target.replaceChildren();
  const width = Math.max(320, Math.min(860, target.clientWidth || 640));
  return new Plot({
    width,
    height: 240,
    scales: { x: { time: true } },
    axes: [{}, { label: 'MB', size: 60 }],
    series: [
      {},
      { label: 'MB that day', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.12)', width: 2 },
      { label: quota ? `MB this month (limit ${quota})` : 'MB this month', stroke: '#64748b', width: 1, dash: [4, 4] },
    ],
  }, usageSeries(usageByDay), target);
}
