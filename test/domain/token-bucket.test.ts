import { describe, expect, it } from "vitest";
import { perPeriod, take } from "../../src/domain/token-bucket";

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
