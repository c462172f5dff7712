import { describe, expect, it } from "vitest";
import { LEASE_HEADROOM, lease, perPeriod, take } from "../../src/domain/token-bucket";

describe("token bucket", () => {
  const rule = perPeriod(3, 60); // 3 per minute → 0.05 tokens/s

  it("admits a full burst of `capacity`, then refuses with a Retry-After", () => {
    let state: ReturnType<typeof take>["state"] | undefined;
    const results = [];
    for (let i = 0; i < 4; i++) {
      const r = take(rule, state, 0);
      state = r.state;
      results.push(r);
    }
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[2]?.remaining).toBe(0);
    // one token takes 1 / 0.05 = 20 s to come back
    expect(results[3]?.retryAfterSeconds).toBe(20);
    // a full bucket needs 3 / 0.05 = 60 s
    expect(results[3]?.resetSeconds).toBe(60);
  });

  it("refills at the configured rate and never above capacity", () => {
    let r = take(rule, undefined, 0);
    r = take(rule, r.state, 0);
    r = take(rule, r.state, 0); // empty at t=0
    expect(take(rule, r.state, 19_999).allowed).toBe(false);
    expect(take(rule, r.state, 20_000).allowed).toBe(true);
    expect(take(rule, r.state, 10 * 60_000).remaining).toBe(2); // capped at 3, minus this take
  });

  it("charges nothing when refused", () => {
    const empty = { tokens: 0.5, updatedAt: 0 };
    const r = take(rule, empty, 0);
    expect(r.allowed).toBe(false);
    expect(r.state.tokens).toBe(0.5);
  });
});

describe("token leases", () => {
  const rule = perPeriod(100, 60); // 100 per minute

  it("grants the whole lease while the bucket holds at least LEASE_HEADROOM leases' worth", () => {
    const r = lease(rule, undefined, 0, 10);
    expect(r.granted).toBe(10);
    expect(r.remaining).toBe(90);
    // 90 ≥ 4 × 10: another full lease; 80 → 40 still ≥ 40
    let state = r.state;
    for (const expected of [80, 70, 60, 50, 40]) {
      const next = lease(rule, state, 0, 10);
      expect([next.granted, next.remaining]).toEqual([10, expected]);
      state = next.state;
    }
    // 40 left: 40 ≥ 4 × 10 → one more lease of 10; then 30 < 40 → single requests only
    const full = lease(rule, state, 0, 10);
    expect(full.granted).toBe(10);
    const single = lease(rule, full.state, 0, 10);
    expect([single.granted, single.remaining]).toEqual([1, 29]);
    expect(LEASE_HEADROOM).toBe(4);
  });

  it("hands the last tokens out one at a time, never below zero, then refuses with a Retry-After", () => {
    let state = { tokens: 3, updatedAt: 0 };
    const grants: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = lease(rule, state, 0, 10);
      grants.push(r.granted);
      state = r.state;
      expect(r.state.tokens).toBeGreaterThanOrEqual(0);
    }
    expect(grants).toEqual([1, 1, 1, 0, 0]);
    // one token at 100/60 per second comes back in 0.6 s → Retry-After rounds up to 1
    expect(lease(rule, state, 0, 10).retryAfterSeconds).toBe(1);
  });

  it("takes back unused requests first, capped at capacity, and charges cost per request", () => {
    const back = lease(rule, { tokens: 2, updatedAt: 0 }, 0, 5, 1, 50);
    expect(back.granted).toBe(5); // 2 + 50 = 52 ≥ 20
    expect(back.remaining).toBe(47);
    const capped = lease(rule, { tokens: 99, updatedAt: 0 }, 0, 5, 1, 50);
    expect(capped.remaining).toBe(95); // 100 (cap) − 5
    const costly = lease(rule, undefined, 0, 5, 3);
    expect([costly.granted, costly.remaining]).toEqual([5, 85]); // 5 requests × 3 tokens
  });
});
