// Chooses the market-data provider for this deployment: Twelve Data behind the resilience layer, else synthetic.
import { type Config, isLocal } from "../config";
import { type Capability, planGaps, TWELVEDATA_ENDPOINTS } from "./plans";
import {
  type ProviderGate,
  type ResilienceOptions,
  ResilientCaller,
  ResilientProvider,
  resilienceOptions,
} from "./resilience";
import { SyntheticProvider } from "./synthetic";
import { TwelveDataProvider } from "./twelvedata";
import type { MarketDataProvider } from "./types";

export { ResilientCaller, ResilientProvider, withResilience } from "./resilience";
export { SYNTHETIC_UNIVERSE, SyntheticProvider } from "./synthetic";
export { TwelveDataProvider } from "./twelvedata";
export * from "./types";

/** Test seams: a fake vendor (`fetch`) and a deterministic clock, sleep and jitter. */
export type ProviderDeps = { fetch?: typeof fetch } & Pick<ResilienceOptions, "sleep" | "random" | "now">;

/** Why this deployment must not serve synthetic prices, or null when it may. */
export function syntheticRefusal(cfg: Config): string | null {
  if (cfg.TWELVEDATA_API_KEY || cfg.ENVIRONMENT !== "production" || cfg.ALLOW_SYNTHETIC_PROVIDER) return null;
  return "TWELVEDATA_API_KEY is not set: production refuses the synthetic provider unless ALLOW_SYNTHETIC_PROVIDER=true";
}

/** Which provider this deployment runs: the vendor, the synthetic one (ticking locally in development), or none. */
export type ActiveProvider =
  | { kind: "twelvedata" }
  | { kind: "synthetic"; localClock: boolean }
  | { kind: "refused"; reason: string };

/** The one answer to "which provider?", used by createProvider, /health/ready and both Durable Objects. */
export function activeProvider(cfg: Config): ActiveProvider {
  if (cfg.TWELVEDATA_API_KEY) return { kind: "twelvedata" };
  const refusal = syntheticRefusal(cfg);
  if (refusal) return { kind: "refused", reason: refusal };
  return { kind: "synthetic", localClock: cfg.ENVIRONMENT === "development" };
}

/** Capability gaps the vendor reported, as kept by the provider's RateLimiter object for the configured plan. */
export async function learntGaps(gate: Pick<ProviderGate, "capabilityGaps">, plan: string): Promise<Set<Capability>> {
  const prefix = `${plan}:`;
  const keys = Object.keys(await gate.capabilityGaps());
  return new Set(keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length) as Capability));
}

export function createProvider(env: Env, cfg: Config, deps: ProviderDeps = {}): MarketDataProvider {
  const active = activeProvider(cfg);
  if (active.kind === "refused") throw new Error(active.reason);
  if (active.kind === "synthetic" || !cfg.TWELVEDATA_API_KEY) {
    return new SyntheticProvider({
      seed: cfg.SYNTHETIC_SEED,
      tickMs: cfg.SYNTHETIC_TICK_MS,
      now: deps.now,
      // Fault injection exists for the local soak only.
      faultRate: isLocal(cfg) ? cfg.SYNTHETIC_FAULT_RATE : 0,
    });
  }
  const { fetch, ...clock } = deps;
  const vendor = new TwelveDataProvider({
    apiKey: cfg.TWELVEDATA_API_KEY,
    baseUrl: cfg.TWELVEDATA_BASE_URL,
    fetch,
    now: deps.now,
  });
  // One RateLimiter instance per provider holds its breaker and budget, so every isolate sees the same state.
  const gate = env.RATE_LIMITER.getByName(`provider:${vendor.name}`);
  const caller = new ResilientCaller({ ...resilienceOptions(cfg, vendor.name, gate), ...clock });
  const plan = cfg.TWELVEDATA_PLAN;
  return new ResilientProvider(vendor, caller, {
    costs: {
      perSymbol: TWELVEDATA_ENDPOINTS.bars.credits,
      marketCap: TWELVEDATA_ENDPOINTS.market_cap.credits,
      splits: TWELVEDATA_ENDPOINTS.splits.credits,
      dividends: TWELVEDATA_ENDPOINTS.dividends.credits,
      marketCapHistory: TWELVEDATA_ENDPOINTS.market_cap_history.credits,
    },
    excluded: new Set(planGaps(plan)),
    gaps: {
      record: (capability, detail) => gate.recordCapabilityGap(`${plan}:${capability}`, detail),
      list: () => learntGaps(gate, plan),
    },
  });
}
