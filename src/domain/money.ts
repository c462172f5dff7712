// Money in integer minor units (cents), so ledgers, backtests and paper cash never drift.

/** Minor units per major unit; USD cents unless a caller says otherwise. */
export const MINOR_PER_MAJOR = 100;

/**
 * Floating products such as 1.005 × 100 land on 100.49999…; cutting to 15 significant digits first
 * recovers the decimal the caller meant before rounding, so half-way cases round as written.
 */
const clean = (x: number): number => Number(x.toPrecision(15));

/** Banker's rounding (half to even): unbiased over many trades, the convention of IEEE 754 and most ledgers. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot round ${x}`);
  const v = clean(x);
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Major units (e.g. 12.345 dollars) → integer minor units, half to even (12.345 → 1234, 12.355 → 1236). */
export function toMinor(amount: number, scale = MINOR_PER_MAJOR): number {
  const minor = roundHalfEven(amount * scale);
  return minor === 0 ? 0 : minor; // never hand out -0
}

/** Integer minor units → major units, for display and JSON only; never compute with the result. */
export function fromMinor(minor: number, scale = MINOR_PER_MAJOR): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`minor amount must be a safe integer, got ${minor}`);
  return minor / scale;
}

/** The notional of `qty` units at `price` (major units), in minor units, rounded once, half to even. */
export function notionalMinor(qty: number, price: number, scale = MINOR_PER_MAJOR): number {
  if (!Number.isFinite(qty) || !Number.isFinite(price)) throw new RangeError(`bad qty ${qty} or price ${price}`);
  return toMinor(qty * price, scale);
}

/** What a buyer pays for `qty` at `price`: the notional rounded up to the minor unit, so no buy is ever free. */
export function chargeMinor(qty: number, price: number, scale = MINOR_PER_MAJOR): number {
  if (!Number.isFinite(qty) || !Number.isFinite(price)) throw new RangeError(`bad qty ${qty} or price ${price}`);
  return Math.ceil(clean(qty * price * scale)) || 0;
}

/** What a seller is credited for `qty` at `price`: the proceeds rounded down, so rounding never creates money. */
export function proceedsMinor(qty: number, price: number, scale = MINOR_PER_MAJOR): number {
  if (!Number.isFinite(qty) || !Number.isFinite(price)) throw new RangeError(`bad qty ${qty} or price ${price}`);
  return Math.floor(clean(qty * price * scale)) || 0;
}

/** A basis-point charge on a minor amount (fees), rounded half to even to a whole minor unit. */
export function bpsOfMinor(minor: number, bps: number): number {
  if (!Number.isFinite(bps) || bps < 0) throw new RangeError(`bps must be a non-negative number, got ${bps}`);
  const fee = roundHalfEven((Math.abs(minor) * bps) / 10_000);
  return fee === 0 ? 0 : fee;
}
