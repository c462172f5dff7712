// RateLimiter Durable Object: the single writer for one key's token buckets (and a provider's breaker).
// One object per client key, so concurrent requests from every isolate serialize here and never over-admit.
import { DurableObject } from "cloudflare:workers";
import {
  admit,
  type BreakerRule,
  type BreakerState,
  closedBreaker,
  recordFailure,
  recordSuccess,
} from "../domain/circuit-breaker";
import {
  type BucketState,
  type LeaseResult,
  type LimitDecision,
  lease,
  type NamedBucket,
  refill,
  type TakeResult,
  take,
} from "../domain/token-bucket";

export type { LimitDecision, NamedBucket };

export class RateLimiter extends DurableObject<Env> {
  /**
   * Takes from every named bucket atomically: either all admit (and all are charged) or none is charged.
   * The DO's input gate makes this exact under concurrency.
   */
  consume(buckets: NamedBucket[], now = Date.now()): LimitDecision {
    const results: Array<{ bucket: NamedBucket; result: TakeResult }> = buckets.map((bucket) => ({
      bucket,
      result: take(bucket, this.ctx.storage.kv.get<BucketState>(`bucket:${bucket.name}`), now, bucket.cost ?? 1),
    }));
    const denied = results.find((r) => !r.result.allowed);
    if (!denied) for (const r of results) this.ctx.storage.kv.put(`bucket:${r.bucket.name}`, r.result.state);
    const view = denied ?? results.reduce((a, b) => (b.result.remaining < a.result.remaining ? b : a));
    return {
      allowed: !denied,
      limit: view.bucket.capacity,
      remaining: denied ? Math.floor(denied.result.state.tokens) : view.result.remaining,
      resetSeconds: view.result.resetSeconds,
      retryAfterSeconds: denied ? denied.result.retryAfterSeconds : 0,
      deniedBy: denied?.bucket.name,
    };
  }

  /**
   * Grants up to `want` requests at once from every named bucket (each request costs its bucket's `cost`),
   * after taking back `returning` unused requests of the caller's previous lease. All buckets grant the same
   * number or none is charged; see `lease` for why the last tokens always go out one at a time.
   */
  lease(buckets: NamedBucket[], want: number, returning = 0, now = Date.now()): LimitDecision & { granted: number } {
    const priorOf = (b: NamedBucket) => this.ctx.storage.kv.get<BucketState>(`bucket:${b.name}`);
    const wanted = Math.max(1, Math.floor(want));
    const granted = Math.min(...buckets.map((b) => lease(b, priorOf(b), now, wanted, b.cost ?? 1, returning).granted));
    const results: Array<{ bucket: NamedBucket; result: LeaseResult }> = buckets.map((bucket) => ({
      bucket,
      result: lease(bucket, priorOf(bucket), now, Math.max(granted, 1), bucket.cost ?? 1, returning),
    }));
    if (granted > 0) {
      for (const r of results) this.ctx.storage.kv.put(`bucket:${r.bucket.name}`, r.result.state);
    } else if (returning > 0) {
      // Nothing granted, but what came back is still the bucket's.
      for (const r of results) {
        const cost = r.bucket.cost ?? 1;
        const back = refill(r.bucket, priorOf(r.bucket), now);
        this.ctx.storage.kv.put(`bucket:${r.bucket.name}`, {
          tokens: Math.min(r.bucket.capacity, back.tokens + returning * cost),
          updatedAt: now,
        });
      }
    }
    const denied = granted === 0 ? results.find((r) => r.result.granted === 0) : undefined;
    const view = denied ?? results.reduce((a, b) => (b.result.remaining < a.result.remaining ? b : a));
    return {
      allowed: granted > 0,
      granted,
      limit: view.bucket.capacity,
      remaining: view.result.remaining,
      resetSeconds: view.result.resetSeconds,
      retryAfterSeconds: denied ? denied.result.retryAfterSeconds : 0,
      deniedBy: denied?.bucket.name,
    };
  }

  /** Reads a bucket without charging it (for failed-login counters and health). */
  peek(bucket: NamedBucket, now = Date.now()): { remaining: number; capacity: number } {
    const state = refill(bucket, this.ctx.storage.kv.get<BucketState>(`bucket:${bucket.name}`), now);
    return { remaining: Math.floor(state.tokens), capacity: bucket.capacity };
  }

  /** Clears a bucket, e.g. failed-login counter after a successful login. */
  resetBucket(name: string): void {
    this.ctx.storage.kv.delete(`bucket:${name}`);
  }

  /** Gives back tokens taken up front for work that turned out not to count (a login that succeeded). */
  refund(bucket: NamedBucket, cost = 1, now = Date.now()): void {
    const state = refill(bucket, this.ctx.storage.kv.get<BucketState>(`bucket:${bucket.name}`), now);
    this.ctx.storage.kv.put(`bucket:${bucket.name}`, {
      tokens: Math.min(bucket.capacity, state.tokens + cost),
      updatedAt: now,
    });
  }

  /**
   * True the first time `token` is seen within `ttlSeconds`, false on every later call (replayed signatures).
   * Expired entries are swept at most once a minute, so storage stays bounded by the traffic of one window.
   */
  claimOnce(token: string, ttlSeconds: number, now = Date.now()): boolean {
    const kv = this.ctx.storage.kv;
    const key = `seen:${token}`;
    const until = kv.get<number>(key);
    if (until !== undefined && until > now) return false;
    kv.put(key, now + ttlSeconds * 1000);
    if ((kv.get<number>("seen-swept") ?? 0) + 60_000 <= now) {
      for (const [k, v] of kv.list<number>({ prefix: "seen:" })) if (v <= now) kv.delete(k);
      kv.put("seen-swept", now);
    }
    return true;
  }

  breakerAdmit(rule: BreakerRule, now = Date.now()): { allowed: boolean; state: BreakerState } {
    const result = admit(this.breaker(), rule, now);
    this.ctx.storage.kv.put("breaker", result.state);
    return result;
  }

  breakerSuccess(): BreakerState {
    const next = recordSuccess(this.breaker());
    this.ctx.storage.kv.put("breaker", next);
    return next;
  }

  breakerFailure(rule: BreakerRule, now = Date.now()): BreakerState {
    const next = recordFailure(this.breaker(), rule, now);
    this.ctx.storage.kv.put("breaker", next);
    return next;
  }

  breakerState(): BreakerState {
    return this.breaker();
  }

  /**
   * One login attempt for the email this object is named after: takes a failure token from the client address's
   * bucket and, unless that address has signed in to this account before (`known`), from the email's looser
   * bucket too; both or neither. The caller gives the tokens back when the password turns out right.
   */
  loginAttempt(
    address: NamedBucket,
    email: NamedBucket,
    known: string,
    now = Date.now(),
  ): LimitDecision & { known: boolean } {
    const isKnown = (this.ctx.storage.kv.get<number>(`known:${known}`) ?? 0) > now;
    return { ...this.consume(isKnown ? [address] : [address, email], now), known: isKnown };
  }

  /** A correct password: refunds what the attempt took and remembers the address for `rememberSeconds`. */
  loginSucceeded(taken: NamedBucket[], known: string, rememberSeconds: number, now = Date.now()): void {
    for (const bucket of taken) this.refund(bucket, 1, now);
    this.ctx.storage.kv.put(`known:${known}`, now + rememberSeconds * 1000);
  }

  /**
   * A provider capability the vendor refused as outside the key's plan (its 403), with the vendor's words. Kept
   * until the plan changes (the key names the plan), so the refused endpoint is never asked or paid for again.
   */
  recordCapabilityGap(key: string, detail: string, now = Date.now()): void {
    this.ctx.storage.kv.put(`gap:${key}`, { detail: detail.slice(0, 300), at: new Date(now).toISOString() });
  }

  capabilityGaps(): Record<string, { detail: string; at: string }> {
    const out: Record<string, { detail: string; at: string }> = {};
    for (const [k, v] of this.ctx.storage.kv.list<{ detail: string; at: string }>({ prefix: "gap:" }))
      out[k.slice(4)] = v;
    return out;
  }

  /**
   * A stream connection of the user this object is named after (`streams:<user>`): true when it fits within
   * `limit` live leases. Leases expire after `ttlMs` unless renewed, so a shard that vanished frees its places.
   */
  leaseStream(id: string, limit: number, ttlMs: number, now = Date.now()): boolean {
    const kv = this.ctx.storage.kv;
    let live = 0;
    for (const [k, until] of kv.list<number>({ prefix: "stream:" })) {
      if (until <= now) kv.delete(k);
      else if (k !== `stream:${id}`) live++;
    }
    if (live >= limit) return false;
    kv.put(`stream:${id}`, now + ttlMs);
    return true;
  }

  /** Keeps the leases of connections still open (a shard's sweep calls this). */
  renewStreams(ids: string[], ttlMs: number, now = Date.now()): void {
    for (const id of ids)
      if (this.ctx.storage.kv.get<number>(`stream:${id}`) !== undefined)
        this.ctx.storage.kv.put(`stream:${id}`, now + ttlMs);
  }

  releaseStream(id: string): void {
    this.ctx.storage.kv.delete(`stream:${id}`);
  }

  /** Health probe: proves the object answers and its storage works. */
  ping(): "pong" {
    return "pong";
  }

  private breaker(): BreakerState {
    return this.ctx.storage.kv.get<BreakerState>("breaker") ?? closedBreaker();
  }
}
