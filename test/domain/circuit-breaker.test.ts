import { describe, expect, it } from "vitest";
import { admit, closedBreaker, recordFailure, recordSuccess } from "../../src/domain/circuit-breaker";

const rule = { threshold: 3, cooldownMs: 60_000 };

describe("circuit breaker", () => {
  it("stays closed below the threshold and opens at it", () => {
    let s = closedBreaker();
    s = recordFailure(s, rule, 0);
    s = recordFailure(s, rule, 0);
    expect(s.status).toBe("closed");
    expect(admit(s, rule, 0).allowed).toBe(true);
    s = recordFailure(s, rule, 1_000);
    expect(s).toMatchObject({ status: "open", openUntil: 61_000 });
    expect(admit(s, rule, 60_999).allowed).toBe(false);
  });

  it("a success resets the consecutive count", () => {
    let s = recordFailure(recordFailure(closedBreaker(), rule, 0), rule, 0);
    s = recordSuccess(s);
    s = recordFailure(s, rule, 0);
    expect(s.status).toBe("closed");
    expect(s.consecutiveFailures).toBe(1);
  });

  it("half-opens after the cool-down and admits exactly one probe", () => {
    let s = recordFailure(recordFailure(recordFailure(closedBreaker(), rule, 0), rule, 0), rule, 0);
    const probe = admit(s, rule, 60_000);
    expect(probe.allowed).toBe(true);
    s = probe.state;
    expect(s.status).toBe("half_open");
    expect(admit(s, rule, 60_001).allowed).toBe(false);
    // a probe that never reports frees the slot after another cool-down
    expect(admit(s, rule, 120_000).allowed).toBe(true);
  });

  it("closes when the probe succeeds and re-opens when it fails", () => {
    const open = recordFailure(recordFailure(recordFailure(closedBreaker(), rule, 0), rule, 0), rule, 0);
    const half = admit(open, rule, 60_000).state;
    expect(recordSuccess(half).status).toBe("closed");
    const reopened = recordFailure(half, rule, 61_000);
    expect(reopened).toMatchObject({ status: "open", openUntil: 121_000 });
  });
});
