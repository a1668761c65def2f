// The card checks the Console makes before a number leaves the page for the payment gateway, the same
// as the node's CardCheck: digits (spaces and dashes allowed), 12 to 19 of them, the Luhn checksum
// (ISO/IEC 7812-1 annex B), and an expiry month that has not ended. Pure functions, no DOM.

/** The digits of `number`, or null when anything but digits, spaces and dashes is in it. */
export function cardDigits(number) {
  const text = String(number ?? '');
  if (!/^[0-9 -]*$/.test(text)) return null;
  return text.replace(/[ -]/g, '');
}

/** Doubling every second digit from the right, the sum ends in 0. */
export function luhn(digits) {
  let sum = 0;
  let twice = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 === 0;
}

/** Why the card may not be sent, or null. `now` is a Date (the month is taken in UTC, as the node does). */
export function cardProblem(number, month, year, now = new Date()) {
  const digits = cardDigits(number);
  if (digits === null || digits.length < 12 || digits.length > 19) return 'The card number must be 12 to 19 digits';
  if (!luhn(digits)) return 'The card number is not valid (its check digit is wrong)';
  const m = Number(month);
  const y = Number(year);
  if (!Number.isInteger(m) || m < 1 || m > 12) return 'The expiry month must be from 1 to 12';
  if (!Number.isInteger(y) || y < 2000 || y > 9999) return 'The expiry year must have four digits';
  const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
  if (y * 12 + (m - 1) < thisMonth) return `The card expired at the end of ${y}-${String(m).padStart(2, '0')}`;
  return null;
}

/** An amount in cents as money: 24900, 'USD' -> "$249.00". */
export function money(cents, currency = 'USD') {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}
