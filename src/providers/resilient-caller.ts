// One guarded vendor call: per-call timeout, jittered retries, a breaker and a budget shared by every isolate.
import type { Config } from "../config";
import type { BreakerRule, BreakerState } from "../domain/circuit-breaker";
import type { LimitDecision, NamedBucket } from "../domain/token-bucket";
import { perPeriod } from "../domain/token-bucket";
import { ProviderError } from "./types";

/** The part of the RateLimiter Durable Object (instance `provider:<name>`) that guards a provider. */
export interface ProviderGate {
  consume(buckets: NamedBucket[], now?: number): Promise<LimitDecision>;
  breakerAdmit(rule: BreakerRule, now?: number): Promise<{ allowed: boolean; state: BreakerState }>;
  breakerSuccess(): Promise<BreakerState>;
  breakerFailure(rule: BreakerRule, now?: number): Promise<BreakerState>;
  recordCapabilityGap(key: string, detail: string, now?: number): Promise<void>;
  capabilityGaps(): Promise<Record<string, { detail: string; at: string }>>;
}

export interface ResilienceOptions {
  /** Provider name, for messages. */
  name: string;
  /** Absent → no breaker and no budget (only timeout and retries). */
  gate?: ProviderGate;
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  breaker: BreakerRule;
  budget?: { perMinute: number; perDay: number };
  /** Backoff before retry n is uniform in [0, min(maxDelayMs, baseDelayMs·2ⁿ)] ("full jitter"). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After or budget wait honoured in line; anything longer fails now so a queue can retry later. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Maps the [vars] to caller options; the gate is the provider's own RateLimiter instance. */
export function resilienceOptions(cfg: Config, name: string, gate?: ProviderGate): ResilienceOptions {
  return {
    name,
    gate,
    timeoutMs: cfg.PROVIDER_TIMEOUT_MS,
    maxRetries: cfg.PROVIDER_MAX_RETRIES,
    breaker: { threshold: cfg.PROVIDER_BREAKER_THRESHOLD, cooldownMs: cfg.PROVIDER_BREAKER_COOLDOWN_SECONDS * 1000 },
    budget: { perMinute: cfg.PROVIDER_BUDGET_PER_MINUTE, perDay: cfg.PROVIDER_BUDGET_PER_DAY },
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ResilientCaller {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxWaitMs: number;

  constructor(readonly opts: ResilienceOptions) {
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 5000;
    this.maxWaitMs = opts.maxWaitMs ?? 10_000;
  }

  /**
   * Runs `fn` (which must honour the signal) under the breaker, the budget (`cost` credits per attempt) and a
   * timeout, retrying retryable failures. Non-ProviderErrors are bugs, not outages: they pass through untouched.
   */
  async call<T>(fn: (signal: AbortSignal) => Promise<T>, cost = 1): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const breaker = await this.admit();
      await this.spend(cost);
      try {
        const value = await this.attempt(fn);
        // A clean closed breaker needs no write; skipping it saves a round trip on the hot path.
        if (breaker && (breaker.status !== "closed" || breaker.consecutiveFailures > 0))
          await this.opts.gate?.breakerSuccess();
        return value;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        // A client error proves the vendor is up and answering; only outages count against the breaker.
        if (err.kind === "client" || err.kind === "unavailable") {
          if (breaker && breaker.status !== "closed") await this.opts.gate?.breakerSuccess();
        } else {
          await this.opts.gate?.breakerFailure(this.opts.breaker, this.now());
        }
        if (!err.retryable || attempt >= this.opts.maxRetries) throw err;
        // Jitter is bounded by maxDelayMs; only a vendor-imposed wait can be too long to sit through.
        if ((err.retryAfterSeconds ?? 0) * 1000 > this.maxWaitMs) throw err;
        await this.sleep(this.backoffMs(attempt, err.retryAfterSeconds));
      }
    }
  }

  /** Delay before retry `attempt` (0-based): full jitter, never shorter than the vendor's Retry-After. */
  backoffMs(attempt: number, retryAfterSeconds?: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    const jitter = Math.floor(this.random() * cap);
    return Math.max(jitter, (retryAfterSeconds ?? 0) * 1000);
  }

  private async admit(): Promise<BreakerState | undefined> {
    const gate = this.opts.gate;
    if (!gate) return undefined;
    const now = this.now();
    const { allowed, state } = await gate.breakerAdmit(this.opts.breaker, now);
    if (!allowed) {
      const retryAfter = Math.max(1, Math.ceil((state.openUntil - now) / 1000));
      throw new ProviderError(`${this.opts.name} circuit breaker is open`, "breaker_open", undefined, retryAfter);
    }
    return state;
  }

  private async spend(cost: number): Promise<void> {
    const { gate, budget } = this.opts;
    if (!gate || !budget) return;
    // A call dearer than the whole bucket could never pass; charge the bucket full instead.
    const charge = Math.max(1, Math.min(cost, budget.perMinute, budget.perDay));
    const buckets: NamedBucket[] = [
      { name: "minute", ...perPeriod(budget.perMinute, 60), cost: charge },
      { name: "day", ...perPeriod(budget.perDay, 86_400), cost: charge },
    ];
    let waited = 0;
    for (;;) {
      const decision = await gate.consume(buckets, this.now());
      if (decision.allowed) return;
      const wait = decision.retryAfterSeconds * 1000;
      if (waited + wait > this.maxWaitMs) {
        throw new ProviderError(
          `${this.opts.name} request budget exhausted (${decision.deniedBy ?? "budget"})`,
          "budget_exhausted",
          undefined,
          decision.retryAfterSeconds,
        );
      }
      await this.sleep(wait);
      waited += wait;
    }
  }

  private async attempt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Racing the timer, not only aborting, bounds the call even when `fn` ignores its signal.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new ProviderError(`${this.opts.name} call timed out after ${this.opts.timeoutMs} ms`, "timeout");
        controller.abort(err);
        reject(err);
      }, this.opts.timeoutMs);
    });
    try {
      return await Promise.race([fn(controller.signal), timeout]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}

/** One guarded call without keeping a caller around. */
export function withResilience<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  opts: ResilienceOptions,
  cost = 1,
): Promise<T> {
  return new ResilientCaller(opts).call(fn, cost);
}
