// Parses the Worker's [vars] and secrets once into a typed, validated config; nothing else reads env strings.
import { z } from "zod";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = z.coerce.number().finite();
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const csv = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** Twelve Data's plans, cheapest first (src/providers/plans.ts says what each includes). */
export const TWELVEDATA_PLANS = ["basic", "grow", "pro", "ultra", "enterprise"] as const;

export const configSchema = z.object({
  ENVIRONMENT: z.enum(["production", "staging", "development", "test"]).default("production"),
  APP_VERSION: z.string().default("0.0.0"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  CORS_ORIGINS: csv,
  BODY_LIMIT_BYTES: int(1024, 100 * 1024 * 1024).default(1048576),
  // Checked by `jwtSecretProblem` rather than refused here: a weak secret must fail closed with a 503, not a 500.
  JWT_SECRET: z.string().default(""),
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  ACCESS_TOKEN_TTL_SECONDS: int(30, 86400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: int(60, 365 * 86400).default(2592000),
  // workerd caps PBKDF2 at 100k iterations; OWASP asks at least that for SHA-256 with a pepper-free store.
  PASSWORD_ITERATIONS: int(100000, 100000).default(100000),
  RATE_LIMIT_ANON_PER_MINUTE: int(1, 1e6).default(60),
  RATE_LIMIT_USER_PER_MINUTE: int(1, 1e6).default(600),
  RATE_LIMIT_KEY_PER_MINUTE: int(1, 1e6).default(1200),
  RATE_LIMIT_ADMIN_PER_MINUTE: int(1, 1e6).default(3000),
  // One bucket per user over all their keys and sessions, besides each credential's own (API.md v1.1).
  RATE_LIMIT_ACCOUNT_PER_MINUTE: int(1, 1e6).default(2400),
  // Uncached analytics work per request: symbols × years of history (a 50-symbol, 3-year correlation is 150).
  ANALYTICS_MAX_SYMBOL_YEARS: int(1, 100000).default(150),
  // Off only to measure the limiter's own cost (bench/rate-limit.mjs); production keeps it on.
  RATE_LIMIT_ENABLED: bool.default(true),
  // How long an isolate may reuse a user lookup (existence, role) for later requests; capped well inside the
  // 5 s within which a deletion or role change must take effect everywhere. 0 looks the user up every time.
  PRINCIPAL_CACHE_MS: int(0, 4000).default(2000),
  // Server-Timing per stage (auth, limiter, user lookup, route) for the benches; off in production.
  SERVER_TIMING: bool.default(false),
  LOGIN_FAILURES_PER_WINDOW: int(1, 1000).default(10),
  LOGIN_FAILURE_WINDOW_SECONDS: int(1, 86400).default(900),
  // Across all client addresses, for one email: looser than the per-address budget above (API.md v1.1).
  LOGIN_FAILURES_PER_EMAIL_PER_WINDOW: int(1, 100000).default(100),
  // How long an address that signed in successfully stays exempt from the per-email budget for that account.
  LOGIN_KNOWN_ADDRESS_DAYS: int(1, 365).default(30),
  // Per-user quotas (API.md v1.1); past one: 409 quota_exceeded.
  QUOTA_API_KEYS: int(1, 100000).default(50),
  QUOTA_WEBHOOKS: int(1, 100000).default(20),
  QUOTA_ALERTS: int(1, 100000).default(200),
  QUOTA_INDEXES: int(1, 100000).default(100),
  QUOTA_STREAM_CONNECTIONS: int(1, 100000).default(20),
  CACHE_TTL_SECONDS: int(60, 86400 * 30).default(300),
  // How long an isolate may answer from a cache namespace version it read before (no KV read of `ver:<ns>`); a
  // bump made elsewhere is seen within it, one made in the isolate at once. 0 reads the version every request.
  CACHE_VERSION_HOLD_MS: int(0, 5000).default(1000),
  HTTP_CACHE_MAX_AGE_SECONDS: int(0, 86400).default(30),
  IDEMPOTENCY_TTL_SECONDS: int(60, 86400 * 7).default(86400),
  PAPER_CASH: num.positive().default(100000),
  BASE_CURRENCY_MINOR_UNITS: int(0, 4).default(2),
  FRACTIONAL_SHARES: bool.default(true),
  RISK_FREE_RATE: num.min(-0.1).max(1).default(0),
  BENCHMARK_FALLBACKS: csv,
  SEED_ON_EMPTY: bool.default(false),
  SYNTHETIC_SEED: int(0, 2 ** 31 - 1).default(42),
  SYNTHETIC_TICK_MS: int(100, 60000).default(1000),
  // Local soak only: the share of synthetic provider calls that fail as a provider 503 would (never in production).
  SYNTHETIC_FAULT_RATE: num.min(0).max(1).default(0),
  STREAM_SHARDS: int(1, 64).default(4),
  STREAM_MAX_SUBSCRIPTIONS: int(1, 10000).default(100),
  PROVIDER_TIMEOUT_MS: int(100, 60000).default(8000),
  PROVIDER_MAX_RETRIES: int(0, 10).default(3),
  PROVIDER_BREAKER_THRESHOLD: int(1, 100).default(5),
  PROVIDER_BREAKER_COOLDOWN_SECONDS: int(1, 3600).default(60),
  PROVIDER_BUDGET_PER_MINUTE: int(1, 100000).default(8),
  PROVIDER_BUDGET_PER_DAY: int(1, 10000000).default(800),
  // Refresh pipeline: queue retry backoff, how far a daily refresh looks back for revised bars, backfill depth.
  JOB_RETRY_BASE_SECONDS: int(1, 3600).default(30),
  JOB_RETRY_MAX_SECONDS: int(1, 43200).default(900),
  REFRESH_OVERLAP_DAYS: int(0, 366).default(7),
  BACKFILL_YEARS: int(1, 100).default(20),
  TWELVEDATA_BASE_URL: z.string().url().default("https://api.twelvedata.com"),
  TWELVEDATA_API_KEY: z.string().min(1).optional(),
  // The key's plan decides which endpoints are called at all (src/providers/plans.ts); basic is the free plan.
  TWELVEDATA_PLAN: z.enum(TWELVEDATA_PLANS).default("basic"),
  // Without TWELVEDATA_API_KEY the synthetic provider would write made-up prices; production refuses unless this is set.
  ALLOW_SYNTHETIC_PROVIDER: bool.default(false),
  // Workers AI model that rewords insights when an `AI` binding is configured; empty turns rewording off.
  INSIGHTS_AI_MODEL: z.string().max(200).default("@cf/meta/llama-3.1-8b-instruct"),
});

export type Config = z.infer<typeof configSchema>;

const cache = new WeakMap<object, Config>();

/** Parses env once per env object (per isolate); a bad config fails loudly at the first request. */
export function getConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${issues}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}

export const isLocal = (cfg: Config) => cfg.ENVIRONMENT === "development" || cfg.ENVIRONMENT === "test";

/** Secrets published in this repository (the example dev vars, the test config): never acceptable outside local. */
export const EXAMPLE_JWT_SECRETS: readonly string[] = [
  "local-development-secret-change-me-0123456789abcdef",
  "test-secret-0123456789abcdef0123456789abcdef",
];
const MIN_SECRET_BYTES = 32;

/**
 * Why the JWT secret must not be used, or undefined when it may. Anything shorter than 32 bytes is refused
 * everywhere; outside local development the published example values are refused too.
 */
export function jwtSecretProblem(cfg: Config): string | undefined {
  // Asked on every request: a parsed config never changes, so its answer is kept with it.
  if (!secretProblems.has(cfg)) secretProblems.set(cfg, findSecretProblem(cfg));
  return secretProblems.get(cfg);
}
const secretProblems = new WeakMap<Config, string | undefined>();

function findSecretProblem(cfg: Config): string | undefined {
  if (new TextEncoder().encode(cfg.JWT_SECRET).length < MIN_SECRET_BYTES)
    return `JWT_SECRET is missing or shorter than ${MIN_SECRET_BYTES} bytes`;
  if (!isLocal(cfg) && EXAMPLE_JWT_SECRETS.includes(cfg.JWT_SECRET))
    return "JWT_SECRET is a published example value; set a random secret (wrangler secret put JWT_SECRET)";
  return undefined;
}
