// Token-bucket arithmetic: how many requests a key may make now, and when it may make the next one.

export interface BucketRule {
  /** Maximum burst (bucket size). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export interface BucketState {
  tokens: number;
  /** Epoch milliseconds of the last refill computation. */
  updatedAt: number;
}

export interface TakeResult {
  allowed: boolean;
  state: BucketState;
  /** Whole tokens left after this take. */
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until `cost` tokens are available (Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

export function refill(rule: BucketRule, state: BucketState | undefined, now: number): BucketState {
  if (!state) return { tokens: rule.capacity, updatedAt: now };
  const elapsed = Math.max(0, now - state.updatedAt) / 1000;
  return { tokens: Math.min(rule.capacity, state.tokens + elapsed * rule.refillPerSecond), updatedAt: now };
}

/** Takes `cost` tokens if they are all there; never partially. */
export function take(rule: BucketRule, prior: BucketState | undefined, now: number, cost = 1): TakeResult {
  const state = refill(rule, prior, now);
  const allowed = state.tokens >= cost;
  const tokens = allowed ? state.tokens - cost : state.tokens;
  const next = { tokens, updatedAt: now };
  const missing = Math.max(0, cost - tokens);
  return {
    allowed,
    state: next,
    remaining: Math.floor(tokens),
    resetSeconds: Math.ceil((rule.capacity - tokens) / rule.refillPerSecond),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(missing / rule.refillPerSecond)),
  };
}

/** A limit of `count` per `periodSeconds` expressed as a bucket that refills smoothly. */
export const perPeriod = (count: number, periodSeconds: number): BucketRule => ({
  capacity: count,
  refillPerSecond: count / periodSeconds,
});

/** A bucket a caller asks the RateLimiter to charge: its rule, its name, and the cost of this call. */
export interface NamedBucket extends BucketRule {
  name: string;
  cost?: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** The tightest bucket's view, for RateLimit-* headers. */
  limit: number;
  remaining: number;
  resetSeconds: number;
  retryAfterSeconds: number;
  /** Which bucket refused, when one did. */
  deniedBy?: string;
}

/** A lease is taken in one step only while the bucket holds at least this many leases' worth. */
export const LEASE_HEADROOM = 4;

export interface LeaseResult {
  /** Requests of `cost` granted (0: refused). */
  granted: number;
  state: BucketState;
  /** Whole tokens left in the bucket after the grant. */
  remaining: number;
  resetSeconds: number;
  /** Seconds until one request of `cost` fits again; 0 when something was granted. */
  retryAfterSeconds: number;
}

/**
 * Takes up to `want` requests of `cost` at once, after giving back `returning` unused ones from an earlier
 * lease. While the bucket holds plenty (≥ LEASE_HEADROOM × want) the whole lease is granted; below that one
 * request at a time, so the last tokens go out exactly as single takes would and no caller holds tokens
 * another one is refused for. The bucket never goes below zero: a lease is only ever tokens it held.
 */
export function lease(
  rule: BucketRule,
  prior: BucketState | undefined,
  now: number,
  want: number,
  cost = 1,
  returning = 0,
): LeaseResult {
  const refilled = refill(rule, prior, now);
  const tokens = Math.min(rule.capacity, refilled.tokens + Math.max(0, returning) * cost);
  const fits = Math.floor(tokens / cost);
  const granted = fits >= LEASE_HEADROOM * want ? want : Math.min(1, fits);
  const left = tokens - granted * cost;
  return {
    granted,
    state: { tokens: left, updatedAt: now },
    remaining: Math.floor(left),
    resetSeconds: Math.ceil((rule.capacity - left) / rule.refillPerSecond),
    retryAfterSeconds: granted ? 0 : Math.max(1, Math.ceil((cost - left) / rule.refillPerSecond)),
  };
}
