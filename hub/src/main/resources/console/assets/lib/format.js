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

/**
 * A long ID cut in the middle ("7a00…4f2e"), so IDs that share a prefix (a fleet's devices) still look
 * different; an ID short enough to read whole is left as it is.
 */
export function shortId(id, keep = 4) {
  const text = String(id ?? '');
  return text.length <= keep * 2 + 2 ? text : `${text.slice(0, keep)}…${text.slice(-keep)}`;
}

/**
 * A device ID as lists show it: shortened in the middle, the full ID in its title and in what a copy
 * takes (data-full-id, and the text a selection copies).
 */
export function deviceIdCode(id, extraClass = '') {
  const el = h('code', { class: `device-id ${extraClass}`.trim(), title: id, 'data-full-id': id }, shortId(id));
  el.addEventListener('copy', (event) => {
    event.clipboardData.setData('text/plain', id);
    event.preventDefault();
  });
  return el;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * 18:30:05.123 for a time today (events come fast: seconds and milliseconds matter), the date with the
 * time for an older one ("Dec 5, 2026, 18:30"): a time alone would pass yesterday's event for today's.
 */
export function eventTime(iso, now = new Date()) {
  const date = new Date(iso);
  if (!sameDay(date, now)) return dateAndTime.format(date);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** The time alone for today, the date with the time before: for lists of things that happened. */
export function dayTime(iso, now = new Date()) {
  if (!iso) return '—';
  const date = new Date(iso);
  return sameDay(date, now) ? timeOfDay.format(date) : dateAndTime.format(date);
}
