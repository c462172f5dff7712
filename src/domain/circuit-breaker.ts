// Circuit-breaker transitions: closed → open after N consecutive failures → half-open after a cool-down.

export type BreakerStatus = "closed" | "open" | "half_open";

export interface BreakerState {
  status: BreakerStatus;
  consecutiveFailures: number;
  /** Epoch ms when an open breaker may let one probe through. */
  openUntil: number;
  /** A half-open breaker admits one probe at a time. */
  probeInFlight: boolean;
}

export interface BreakerRule {
  threshold: number;
  cooldownMs: number;
}

export const closedBreaker = (): BreakerState => ({
  status: "closed",
  consecutiveFailures: 0,
  openUntil: 0,
  probeInFlight: false,
});

/** May a call go out now? Returns the state to store (an elapsed open breaker turns half-open). */
export function admit(state: BreakerState, rule: BreakerRule, now: number): { allowed: boolean; state: BreakerState } {
  if (state.status === "closed") return { allowed: true, state };
  if (state.status === "open") {
    if (now < state.openUntil) return { allowed: false, state };
    // The probe must report within one cool-down, else another probe is allowed (its isolate may have died).
    return {
      allowed: true,
      state: { ...state, status: "half_open", probeInFlight: true, openUntil: now + rule.cooldownMs },
    };
  }
  if (state.probeInFlight && now < state.openUntil) return { allowed: false, state };
  return { allowed: true, state: { ...state, probeInFlight: true, openUntil: now + rule.cooldownMs } };
}

export function recordSuccess(_state: BreakerState): BreakerState {
  return closedBreaker();
}

export function recordFailure(state: BreakerState, rule: BreakerRule, now: number): BreakerState {
  const failures = state.consecutiveFailures + 1;
  if (state.status === "half_open" || failures >= rule.threshold) {
    return { status: "open", consecutiveFailures: failures, openUntil: now + rule.cooldownMs, probeInFlight: false };
  }
  return { ...state, consecutiveFailures: failures };
}
