// Exact decimal arithmetic on strings, for the draft's totals estimate while
// the user types. It follows the service's rule (SPEC 2): a line total is
// quantity × unit price less the discount, rounded half away from zero once
// to the currency's minor unit; the tax is summed over the lines and rounded
// once. The service computes the totals that are saved; this is only what
// the page shows before it answers.

// parse reads "12.50", "-3", ".5"; null when the text is no decimal number.
export function parse(text) {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(String(text ?? ''));
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = m[3] || '';
  const n = BigInt((m[2] || '0') + frac);
  return { n: m[1] === '-' ? -n : n, s: frac.length };
}

const TEN = 10n;
const pow10 = (k) => TEN ** BigInt(k);

function scaleTo(x, s) {
  return x.s === s ? x.n : x.n * pow10(s - x.s);
}

export function add(a, b) {
  const s = Math.max(a.s, b.s);
  return { n: scaleTo(a, s) + scaleTo(b, s), s };
}

export function sub(a, b) {
  return add(a, { n: -b.n, s: b.s });
}

export function mul(a, b) {
  return { n: a.n * b.n, s: a.s + b.s };
}

// percent is x / 100, exactly.
export function percent(x) {
  return { n: x.n, s: x.s + 2 };
}

// round rounds half away from zero to places decimals.
export function round(x, places) {
  if (x.s <= places) return { n: scaleTo(x, places), s: places };
  const d = pow10(x.s - places);
  let q = x.n / d;
  const r = x.n % d;
  const abs = r < 0n ? -r : r;
  if (abs * 2n >= d) q += x.n < 0n ? -1n : 1n;
  return { n: q, s: places };
}

// format writes x with exactly places decimals (x must have at most that many).
export function format(x, places) {
  const v = round(x, places);
  const neg = v.n < 0n;
  let digits = (neg ? -v.n : v.n).toString().padStart(places + 1, '0');
  if (places > 0) digits = `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return (neg ? '-' : '') + digits;
}

export const ZERO = { n: 0n, s: 0 };
const HUNDRED = { n: 100n, s: 0 };

// minorUnits is how many decimals the currency's amounts have (2 for EUR,
// 0 for JPY, 3 for KWD), from the browser's ISO 4217 data; 2 when unknown.
export function minorUnits(currency) {
  try {
    if (!/^[A-Z]{3}$/.test(currency || '')) return 2;
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

// lineTotal is quantity × unit price × (100 − discount) / 100, rounded once.
export function lineTotal(quantity, unitPrice, discountPercent, currency) {
  const q = parse(quantity);
  const p = parse(unitPrice);
  const d = parse(discountPercent ?? '0') || ZERO;
  if (!q || !p) return null;
  return round(percent(mul(mul(q, p), sub(HUNDRED, d))), minorUnits(currency));
}

// totals sums line totals, and the tax on each at its rate, rounded once.
export function totals(lines, currency) {
  const places = minorUnits(currency);
  let subtotal = ZERO;
  let tax = ZERO;
  for (const l of lines) {
    subtotal = add(subtotal, l.total);
    tax = add(tax, percent(mul(l.total, parse(l.taxRate || '0') || ZERO)));
  }
  tax = round(tax, places);
  return {
    subtotal: format(subtotal, places),
    tax: format(tax, places),
    total: format(add(subtotal, tax), places),
  };
}
