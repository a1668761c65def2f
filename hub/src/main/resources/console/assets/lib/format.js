// How the Console writes times and device types.

import { h } from './dom.js';

/** Particle platform IDs (Device OS platform numbers) and the names the Console shows for them. */
const PLATFORMS = new Map([
  [0, 'Core'],
  [6, 'Photon'],
  [8, 'P1'],
  [10, 'Electron'],
  [12, 'Argon'],
  [13, 'Boron'],
  [14, 'Xenon'],
  [22, 'A SoM'],
  [23, 'B SoM'],
  [25, 'B5 SoM'],
  [26, 'Tracker'],
  [32, 'P2'],
]);

/** The device type's name, the bare number when it is not one the Console knows, 'Unknown' when absent. */
export function platformName(platformId) {
  if (platformId === null || platformId === undefined) return 'Unknown';
  return PLATFORMS.get(platformId) ?? `Platform ${platformId}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
const STEPS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "2 minutes ago", "yesterday", ... ; `iso` is an ISO-8601 instant as the API writes them. */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return 'Never';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size * 0.9 || unit === 'minute') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return relative.format(seconds, 'second');
}

/** The full local date and time, with its zone: what a title attribute shows on hover. */
export function exactTime(iso) {
  return iso ? exact.format(new Date(iso)) : 'This device has not connected yet';
}

export function plural(count, one, many) {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** A <time> showing `iso` relative to now, the exact time on hover; kept current by refreshTimes(). */
export function timeAgo(iso) {
  return h('time', {
    datetime: iso ?? null, title: exactTime(iso), dataset: { relative: iso ?? '' },
  }, relativeTime(iso));
}

/** Rewrites every relative time on the page: no request, only the clock moves. */
export function refreshTimes(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll('time[data-relative]')) {
    el.textContent = relativeTime(el.dataset.relative || null, now);
  }
}
