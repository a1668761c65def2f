// The Event Logs' filter language, as the API's streams apply it (EventFilter.java holds the same
// rules; hub/src/test/resources/event-filter-vectors.json holds both to them).
//
//   device:ID      the device ID, or the device name, is ID (ignoring case)
//   event:NAME     the event name contains NAME (ignoring case)
//   data:VALUE     the data contains VALUE (ignoring case)
//   range:MIN-MAX  the data is a decimal number from MIN to MAX
//   other words    found in the name, data, device ID, device name or publishing time (ignoring case)
//
// Every modifier type and every word has to match; several modifiers of the same type are an OR.
// Double quotes keep spaces inside one word: data:"door open".

export class FilterSyntaxError extends Error {}

const EXAMPLES = {
  device: 'device:34003d001647353236343012',
  event: 'event:temperature',
  data: 'data:device-is-ok',
  range: 'range:20-100',
};

/** The modifiers, for the Advanced list: [key, what it does, example]. */
export const MODIFIERS = [
  ['device', 'Filter by device ID or name', EXAMPLES.device],
  ['event', 'Filter by event name', EXAMPLES.event],
  ['range', 'Only events whose data is a number from min to max', EXAMPLES.range],
  ['data', 'Filter by data', EXAMPLES.data],
];

/** ASCII white space only, as FilterTokens.java has it (a regex \s would take more). */
const SPACES = new Set([' ', '\t', '\n', '\r', '\f', '\v']);

function split(text) {
  const words = [];
  let word = '';
  let inWord = false;
  let quoted = false;
  for (const c of text) {
    if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && SPACES.has(c)) {
      if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quoted) throw new FilterSyntaxError('A quote is not closed: end it with "');
  if (inWord) words.push(word);
  return words;
}

/** The number `text` spells as [-]digits[.digits], or null. */
function decimal(text) {
  let i = 0;
  if (text[i] === '-') i++;
  const digitsFrom = i;
  while (i < text.length && text[i] >= '0' && text[i] <= '9') i++;
  if (i === digitsFrom) return null;
  if (text[i] === '.') {
    i++;
    const fractionFrom = i;
    while (i < text.length && text[i] >= '0' && text[i] <= '9') i++;
    if (i === fractionFrom) return null;
  }
  return i === text.length ? Number(text) : null;
}

function parseRange(text) {
  const dash = text.indexOf('-', 1);
  const min = dash > 0 ? decimal(text.slice(0, dash)) : null;
  const max = dash > 0 ? decimal(text.slice(dash + 1)) : null;
  if (min === null || max === null) throw new FilterSyntaxError('range needs two numbers, as in range:20-100');
  if (min > max) throw new FilterSyntaxError(`range:${text} is empty: its first number must not be larger than its second`);
  return { min, max };
}

const trimSpaces = (text) => text.replace(/^ +| +$/g, '');
const has = (haystack, needle) => haystack != null && haystack.toLowerCase().includes(needle);

/**
 * Parses `text` once; throws FilterSyntaxError saying what to change.
 * @returns {{matches(event): boolean, filtersByDevice: boolean, isEmpty: boolean}} where an event is
 *     {name, data, coreid, deviceName, published_at}
 */
export function parseFilter(text) {
  const devices = [];
  const names = [];
  const data = [];
  const ranges = [];
  const words = [];
  for (const word of text ? split(text) : []) {
    const colon = word.indexOf(':');
    const key = colon > 0 ? word.slice(0, colon).toLowerCase() : '';
    const value = colon > 0 ? word.slice(colon + 1) : word;
    const target = { device: devices, event: names, data, range: ranges }[key];
    if (!target) {
      words.push(word.toLowerCase());
      continue;
    }
    if (value === '') throw new FilterSyntaxError(`${key}: needs a value, as in ${EXAMPLES[key]}`);
    if (key === 'range') ranges.push(parseRange(value));
    else target.push(value.toLowerCase());
  }
  const inRange = (eventData) => {
    if (eventData == null) return false;
    const value = decimal(trimSpaces(eventData));
    return value !== null && ranges.some((r) => value >= r.min && value <= r.max);
  };
  return {
    filtersByDevice: devices.length > 0,
    isEmpty: devices.length + names.length + data.length + ranges.length + words.length === 0,
    matches(event) {
      if (devices.length && !devices.some((d) => event.coreid?.toLowerCase() === d || event.deviceName?.toLowerCase() === d)) return false;
      if (names.length && !names.some((n) => has(event.name, n))) return false;
      if (data.length && !data.some((d) => has(event.data, d))) return false;
      if (ranges.length && !inRange(event.data)) return false;
      return words.every((w) => has(event.name, w) || has(event.data, w) || has(event.coreid, w)
        || has(event.deviceName, w) || has(event.published_at, w));
    },
  };
}
