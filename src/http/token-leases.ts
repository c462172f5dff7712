// Exact token leases: an isolate takes a few requests' worth of tokens from a key's RateLimiter at once and
// spends them locally, so a busy key costs one round trip per lease instead of one per request. The object
// never grants more than the bucket holds, hands the last tokens out one at a time, and unused ones come back.
import type { LimitDecision, NamedBucket, RateLimiter } from "../durable/rate-limiter";
import { waitWhileBusy } from "../services/shared-work";

/** A lease is spent within this long or what is left goes back with the key's next lease request. */
export const LEASE_MS = 1_000;
/** At most 1/50 of a bucket is held by one isolate at once, and never more than this many requests. */
const MAX_LEASE = 50;
const LEASE_SHARE = 50;

/** Requests one lease asks for: 1 (no lease, every request asks the object) for small budgets. */
export function leaseSizeFor(bucket: NamedBucket): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(bucket.capacity / ((bucket.cost ?? 1) * LEASE_SHARE))));
}

interface Lease {
  /** The caller whose buckets it draws from. */
  name: string;
  /** Requests it still admits. */
  left: number;
  /** Tokens one of them takes (every bucket of a request shares its route's cost). */
  cost: number;
  expiresAt: number;
  decision: LimitDecision;
}

type Limiter = DurableObjectStub<RateLimiter>;

/** Leases one isolate holds at most: one per recent caller, so a crowd of callers cannot grow it without end. */
const MAX_HELD = 10_000;

/** One isolate's leases, by key and bucket set. The module keeps one; tests make several to play isolates. */
export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  private readonly asking = new Set<string>();
  /** Each caller's leases (one per route cost it used), so a request sums only its own few, never the book. */
  private readonly byName = new Map<string, Set<Lease>>();

  constructor(private readonly maxHeld = MAX_HELD) {}

  /** Leases held now (spent or not, until their key asks again or room is made). */
  get size(): number {
    return this.leases.size;
  }

  /** Admits or refuses one request, from a held lease when there is one. */
  async admit(limiter: () => Limiter, name: string, buckets: NamedBucket[], now = Date.now()): Promise<LimitDecision> {
    const want = Math.min(...buckets.map(leaseSizeFor));
    // Too dear to lease (e.g. a 151-token correlation): taken from the object at once.
    if (want <= 1) return this.consumeNow(limiter, name, buckets, now);
    const key = `${name}|${buckets.map((b) => `${b.name}:${b.capacity}:${b.refillPerSecond}:${b.cost ?? 1}`).join(",")}`;
    for (;;) {
      const held = this.leases.get(key);
      const at = Date.now();
      if (held && held.left > 0 && held.expiresAt > at) {
        held.left--;
        return this.withHeld(name, held.decision, at);
      }
      if (this.asking.has(key)) {
        // Another request is asking the object for this lease: wait on our own timers, never on its promise
        // (services/shared-work.ts), then look again.
        await waitWhileBusy(() => this.asking.has(key));
        if (this.asking.has(key)) return this.consumeNow(limiter, name, buckets, now);
        continue;
      }
      const returning = held && held.left > 0 ? held.left : 0;
      if (held) this.drop(key, held);
      const ask = limiter().lease(buckets, want, returning, now);
      this.asking.add(key);
      try {
        const { granted, ...view } = await ask;
        this.learn(name, view);
        if (!view.allowed) return view;
        if (granted > 1) {
          this.makeRoom();
          const lease = {
            name,
            left: granted - 1,
            cost: buckets[0]?.cost ?? 1,
            expiresAt: Date.now() + LEASE_MS,
            decision: view,
          };
          this.leases.set(key, lease);
          const mine = this.byName.get(name) ?? new Set<Lease>();
          mine.add(lease);
          this.byName.set(name, mine);
        }
        return this.withHeld(name, view);
      } finally {
        this.asking.delete(key);
      }
    }
  }

  /**
   * One request taken from the object directly; the leases this isolate holds for the same caller learn the
   * bucket's new level, so their RateLimit-Remaining shows it.
   */
  private async consumeNow(limiter: () => Limiter, name: string, buckets: NamedBucket[], now: number) {
    const decision = await limiter().consume(buckets, now);
    this.learn(name, decision);
    return this.withHeld(name, decision);
  }

  /** The object's latest word on a caller's buckets replaces the older view its held leases report from. */
  private learn(name: string, fresh: LimitDecision): void {
    for (const [k, l] of this.leases)
      if (k.startsWith(`${name}|`))
        l.decision = { ...l.decision, remaining: fresh.remaining, resetSeconds: fresh.resetSeconds };
  }

  /**
   * Keeps the book under its bound: expired leases go first, then the oldest. A dropped lease's unused tokens do
   * not go back to the object, so its caller gets fewer requests until the bucket refills, never more.
   */
  private makeRoom(now = Date.now()): void {
    if (this.leases.size < this.maxHeld) return;
    for (const [k, l] of this.leases) if (l.expiresAt <= now) this.drop(k, l);
    while (this.leases.size >= this.maxHeld) {
      const [k, l] = this.leases.entries().next().value as [string, Lease];
      this.drop(k, l);
    }
  }

  private drop(key: string, lease: Lease): void {
    this.leases.delete(key);
    const mine = this.byName.get(lease.name);
    mine?.delete(lease);
    if (mine?.size === 0) this.byName.delete(lease.name);
  }

  /**
   * What the caller may still do, in tokens (RateLimit-Remaining): the bucket's latest level the object gave this
   * isolate, plus what this isolate's live leases for the caller still hold (its other routes' too), never above
   * the bucket's size. An expired lease's tokens are not counted: they can no longer be spent, and the object
   * takes them back only up to a full bucket.
   */
  private withHeld(name: string, decision: LimitDecision, now = Date.now()): LimitDecision {
    return { ...decision, remaining: Math.min(decision.limit, decision.remaining + this.heldFor(name, now)) };
  }

  /** Tokens this isolate's live leases hold for a caller: what it may still spend without asking the object. */
  heldFor(name: string, now = Date.now()): number {
    let n = 0;
    for (const l of this.byName.get(name) ?? []) if (l.expiresAt > now) n += l.left * l.cost;
    return n;
  }

  clear(): void {
    this.leases.clear();
    this.byName.clear();
  }
}
