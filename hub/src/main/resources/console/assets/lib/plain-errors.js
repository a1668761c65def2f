// The API's refusals in a user's words. The API answers {error, error_description}, and a
// description often starts with the request's field name ("desired_firmware_version must be a
// positive integer", "version: you entered 3 but ..."): fine for a developer, not for the person at
// the Console. plainError() turns those into sentences, and otherwise keeps the server's description
// with any field name in it written as words: a page never shows a raw field name. Pure: no DOM.

/**
 * The fields the API names in its descriptions: how the Console calls each, and the sentence for a
 * missing or malformed value (the user cannot tell "missing" from "not a positive integer" apart in a
 * form: both mean the same fix).
 */
const FIELDS = {
  desired_firmware_version: { label: 'firmware version', fix: 'Choose a firmware version.' },
  firmware_version: { label: 'firmware version', fix: 'Choose a firmware version.' },
  version: { label: 'firmware version', fix: 'Enter the firmware version: a whole number from 1 up, as in the binary.' },
  title: { label: 'title', fix: 'Enter a title.' },
  binary: { label: 'firmware file', fix: 'Attach the firmware file.' },
  groups: { label: 'groups', fix: 'Choose the groups from the list.' },
  product_default: { label: 'product default', fix: 'Choose whether this is the product default.' },
  batch_percent: { label: 'batch size', fix: 'Enter a batch size from 1 to 100 percent, or leave it empty to release to all at once.' },
  failure_threshold_percent: { label: 'failure threshold', fix: 'Enter a failure threshold from 0 to 100 percent.' },
  flash: { label: 'flash now', fix: 'Choose whether to flash now.' },
  action: { label: 'action' },
  device_id: { label: 'device ID', fix: 'Enter the device ID: 24 hexadecimal digits.' },
  date_range: { label: 'time range', fix: 'Choose a time range whose start is before its end.' },
};

/** Refusals whose error code says all: the sentence, given the server's description. */
const CODES = {
  network_error: () => 'Could not reach the server. Check the connection and try again.',
  // the guide's rule, as the server words it: "Version 4 must run on at least one device ..."
  firmware_not_running: (text) => `Release refused: ${text.charAt(0).toLowerCase()}${text.slice(1)}`,
};

/** "desired_firmware_version must be ...", "title is required", "version: rest of the sentence". */
const FIELD_FIRST = /^([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(?:: (.+)| (is required|must .+))$/s;
/** A snake_case word: a field name, wherever it appears in a description. */
const SNAKE = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g;

/**
 * What to tell the user about `failure` (an ApiError from api.js: {status, error, message}, or any
 * Error): one sentence or two, never a raw field name.
 */
export function plainError(failure) {
  const text = String(failure?.message ?? failure ?? '').trim();
  const code = failure?.error;
  if (CODES[code]) return sentence(CODES[code](withWords(text.replace(/\.$/, ''))));
  const first = FIELD_FIRST.exec(text);
  const field = first && FIELDS[first[1]];
  if (field) {
    if (first[3]) return field.fix ?? sentence(`The ${field.label} ${first[3]}`);
    return sentence(`${capital(field.label)}: ${withWords(first[2])}`);
  }
  return sentence(withWords(text) || 'Something went wrong. Try again.');
}

/** The text with each field name in it as the Console calls it ("product_default" -> "product default"). */
export function withWords(text) {
  return String(text).replace(SNAKE, (name) => FIELDS[name]?.label ?? name.replaceAll('_', ' '));
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sentence(text) {
  const trimmed = capital(text.trim());
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
