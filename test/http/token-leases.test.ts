// Token leases against the real RateLimiter object, several lease books playing several isolates: exact under
// concurrency (M > L concurrent requests admit exactly L), unused tokens come back, small budgets never lease.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { perPeriod } from "../../src/domain/token-bucket";
import { LEASE_MS, LeaseBook, leaseSizeFor } from "../../src/http/token-leases";

const limiter = (name: string) => () => env.RATE_LIMITER.getByName(name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("token leases", () => {
  it("sizes a lease at 1/50 of the budget, at most 50, and not at all under 100 per minute", () => {
    const size = (perMinute: number, cost = 1) => leaseSizeFor({ name: "r", cost, ...perPeriod(perMinute, 60) });
    expect([size(60), size(99), size(100), size(600), size(1200), size(3000), size(1e6)]).toEqual([
      1, 1, 2, 12, 24, 50, 50,
    ]);
    expect(size(600, 3)).toBe(4); // 600 / (3 × 50)
  });

  it("admits exactly L of M > L concurrent requests spread over three isolates", async () => {
    const L = 600;
    const buckets = [{ name: "requests", ...perPeriod(L, 60) }];
    const books = [new LeaseBook(), new LeaseBook(), new LeaseBook()];
    const name = `user:lease-exact-${Date.now()}`;
    const now = Date.now();
    const decisions = await Promise.all(
      Array.from({ length: 2 * L }, (_, i) => books[i % 3]!.admit(limiter(name), name, buckets, now)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(L);
    expect(books.reduce((n, b) => n + b.heldFor(name), 0)).toBe(0);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.remaining).toBe(0);
  });

  it("counts RateLimit-Remaining down by one per request while a lease is spent", async () => {
    const buckets = [{ name: "requests", ...perPeriod(600, 60) }];
    const book = new LeaseBook();
    const name = `user:lease-remaining-${Date.now()}`;
    const seen: number[] = [];
    for (let i = 0; i < 15; i++) seen.push((await book.admit(limiter(name), name, buckets)).remaining);
    // Full bucket of 600, leases of 12: what the caller may still do falls by one each time.
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => 599 - i));
  });

  it("counts RateLimit-Remaining in tokens across routes of different cost: down by each request's cost", async () => {
    const cheap = [{ name: "requests", ...perPeriod(600, 60) }];
    const dear = [{ name: "requests", ...perPeriod(600, 60), cost: 2 }];
    const book = new LeaseBook();
    const name = `user:lease-mixed-${Date.now()}`;
    const t0 = Date.now(); // one clock for the object, so refill adds nothing
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) seen.push((await book.admit(limiter(name), name, i % 2 ? dear : cheap, t0)).remaining);
    // 600 tokens: −1, −2, −1, −2 … whichever lease (12 cheap requests, 6 dear ones) serves the request.
    expect(seen).toEqual([599, 597, 596, 594, 593, 591, 590, 588]);
    // The object holds the rest: 600 − 12 − 6 × 2 leased, and this isolate 8 + 2 × 2 of them unspent.
    expect((await env.RATE_LIMITER.getByName(name).peek(cheap[0]!, t0)).remaining).toBe(576);
    expect(book.heldFor(name)).toBe(12);
  });

  it("never reports more than the bucket holds: expired leases of other routes are not counted", async () => {
    const name = `user:lease-expired-${Date.now()}`;
    const book = new LeaseBook();
    const t0 = Date.now();
    // One lease per route cost 1…5 (12, 6, 4, 3 and 2 requests): 588 − 12 − 12 − 12 − 10 = 542 left in the object.
    for (const cost of [1, 2, 3, 4, 5])
      await book.admit(limiter(name), name, [{ name: "requests", ...perPeriod(600, 60), cost }], t0);
    expect(book.heldFor(name)).toBe(11 + 10 + 9 + 8 + 5);
    await sleep(LEASE_MS + 50); // every lease expires unspent
    expect(book.heldFor(name)).toBe(0);
    // A minute on, the object has refilled to 600; the cost-1 lease's 11 come back (capped at 600), 12 go out.
    const after = await book.admit(limiter(name), name, [{ name: "requests", ...perPeriod(600, 60) }], t0 + 60_000);
    expect(after.limit).toBe(600);
    expect(after.remaining).toBe(599); // 588 in the object + the new lease's 11, not + the expired leases' 32
  });

  it("gives an expired lease's unused tokens back with the next request", async () => {
    const buckets = [{ name: "requests", ...perPeriod(600, 60) }];
    const book = new LeaseBook();
    const name = `user:lease-return-${Date.now()}`;
    const t0 = Date.now(); // the object's clock for every call here, so refill adds nothing
    await book.admit(limiter(name), name, buckets, t0);
    expect(book.heldFor(name)).toBe(11);
    expect((await env.RATE_LIMITER.getByName(name).peek(buckets[0]!, t0)).remaining).toBe(588);
    await sleep(LEASE_MS + 50);
    await book.admit(limiter(name), name, buckets, t0);
    // 11 came back, a new lease of 12 went out: 588 + 11 − 12.
    expect((await env.RATE_LIMITER.getByName(name).peek(buckets[0]!, t0)).remaining).toBe(587);
    expect(book.heldFor(name)).toBe(11);
  });

  it("a request too dear to lease is taken from the object, and the held lease then reports the lower level", async () => {
    const cheap = [{ name: "requests", ...perPeriod(600, 60) }];
    const dear = [{ name: "requests", ...perPeriod(600, 60), cost: 151 }];
    const book = new LeaseBook();
    const name = `user:lease-dear-${Date.now()}`;
    const t0 = Date.now(); // one clock for the object, so refill adds nothing
    expect((await book.admit(limiter(name), name, cheap, t0)).remaining).toBe(599); // 600 − 12 leased + 11 held
    // 588 − 151 = 437 taken straight from the object, plus the 11 this isolate still holds.
    expect((await book.admit(limiter(name), name, dear, t0)).remaining).toBe(448);
    expect(book.heldFor(name)).toBe(11); // the lease was not spent on it
    // Served from the lease: the object's 437 plus the 10 this isolate still holds.
    expect((await book.admit(limiter(name), name, cheap, t0)).remaining).toBe(447);
  });

  it("never leases a small budget: each request asks the object (exact, as before)", async () => {
    const buckets = [{ name: "requests", ...perPeriod(10, 60) }];
    const book = new LeaseBook();
    const name = `ip:lease-small-${Date.now()}`;
    const decisions = await Promise.all(Array.from({ length: 15 }, () => book.admit(limiter(name), name, buckets)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(book.heldFor(name)).toBe(0);
  });
});
