// Liveness and readiness: readiness really touches D1, KV, both Durable Objects and the provider's breaker.
import { createRoute, z } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import { type Config, jwtSecretProblem } from "../config";
import type { App } from "../http/context";
import { activeProvider, learntGaps } from "../providers";
import { planGaps } from "../providers/plans";
import { jsonContent } from "../schemas/route-parts";
import { probeDatabase } from "../services/assets";

const Liveness = z.object({ status: z.literal("ok"), version: z.string() }).openapi("Liveness");
const Check = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  latency_ms: z.number(),
  detail: z.string().optional(),
  /** Provider only: capabilities outside the key's plan, or refused by the vendor; their data is not refreshed. */
  capability_gaps: z.array(z.string()).optional(),
});
const Readiness = z
  .object({
    status: z.enum(["ok", "degraded", "down"]),
    version: z.string(),
    checks: z.object({ config: Check, d1: Check, kv: Check, rate_limiter: Check, price_hub: Check, provider: Check }),
  })
  .openapi("Readiness");

const live = createRoute({
  method: "get",
  path: "/health",
  "x-rate-limit-cost": 1,
  tags: ["meta"],
  summary: "Liveness",
  responses: { 200: jsonContent(Liveness, "The Worker is up") },
});

const ready = createRoute({
  method: "get",
  path: "/health/ready",
  "x-rate-limit-cost": 1,
  tags: ["meta"],
  summary: "Readiness of every dependency",
  responses: {
    200: jsonContent(Readiness, "Ready"),
    503: jsonContent(Readiness, "A dependency serving needs is down"),
  },
});

type CheckResult = z.infer<typeof Check>;

async function timed(fn: () => Promise<string | undefined>, timeoutMs = 2000): Promise<CheckResult> {
  const started = performance.now();
  try {
    const detail = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs)),
    ]);
    return { status: "ok", latency_ms: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (err) {
    return {
      status: "down",
      latency_ms: Math.round(performance.now() - started),
      detail: err instanceof Error ? err.message : "failed",
    };
  }
}

async function providerCheck(env: Env, cfg: Config): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const active = activeProvider(cfg);
  if (active.kind === "refused") return { status: "down", latency_ms: 0, detail: active.reason };
  if (active.kind === "synthetic") return { status: "ok", latency_ms: 0, detail: "synthetic provider" };
  const plan = cfg.TWELVEDATA_PLAN;
  const gate = env.RATE_LIMITER.getByName("provider:twelvedata");
  try {
    const [breaker, learnt] = await Promise.all([gate.breakerState(), learntGaps(gate, plan)]);
    const gaps = [...new Set([...planGaps(plan), ...learnt])];
    // An open breaker degrades freshness but stored data still serves, so it is not "down"; nor is a plan gap.
    return {
      status: breaker.status === "closed" ? "ok" : "degraded",
      latency_ms: elapsed(),
      detail: `twelvedata (${plan} plan): breaker ${breaker.status}${gaps.length ? `; not available: ${gaps.join(", ")}` : ""}`,
      capability_gaps: gaps,
    };
  } catch {
    return { status: "degraded", latency_ms: elapsed(), detail: "twelvedata: breaker unknown" };
  }
}

/** The liveness body only changes with the code's version: serialized and hashed once per isolate. */
const livenessAnswers = new Map<string, Promise<{ body: string; etag: string }>>();
function livenessAnswer(version: string): Promise<{ body: string; etag: string }> {
  let answer = livenessAnswers.get(version);
  if (!answer) {
    const body = JSON.stringify({ status: "ok", version });
    answer = crypto.subtle.digest("SHA-1", new TextEncoder().encode(body)).then((d) => ({
      body,
      etag: `"${[...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`,
    }));
    livenessAnswers.set(version, answer);
  }
  return answer;
}

export function registerHealthRoutes(app: App) {
  app.openapi(live, async (c) => {
    c.header("Cache-Control", "no-store");
    const { body, etag } = await livenessAnswer(c.get("config").APP_VERSION);
    // The same tag the etag middleware would hash from this body, set here so it is hashed once per isolate.
    c.header("ETag", etag);
    c.header("Content-Type", "application/json");
    return c.body(body, 200) as unknown as TypedResponse<z.infer<typeof Liveness>, 200, "json">;
  });

  app.openapi(ready, async (c) => {
    const env = c.env;
    const cfg = c.get("config");
    const [d1, kv, rate_limiter, price_hub, provider] = await Promise.all([
      timed(async () => {
        await probeDatabase(env.DB);
        return undefined;
      }),
      timed(async () => {
        await env.CACHE.get("health:probe");
        return undefined;
      }),
      timed(async () => {
        if ((await env.RATE_LIMITER.getByName("health").ping()) !== "pong") throw new Error("bad answer");
        return undefined;
      }),
      timed(async () => {
        if ((await env.PRICE_HUB.getByName("shard:0").ping()) !== "pong") throw new Error("bad answer");
        return undefined;
      }),
      providerCheck(env, cfg),
    ]);
    const secret = jwtSecretProblem(cfg);
    const config: CheckResult = secret
      ? { status: "down", latency_ms: 0, detail: secret }
      : { status: "ok", latency_ms: 0 };
    const checks = { config, d1, kv, rate_limiter, price_hub, provider };
    // Serving needs a safe config, D1, KV and the rate limiter; the hub and the provider only degrade.
    const down =
      config.status === "down" || d1.status === "down" || kv.status === "down" || rate_limiter.status === "down";
    const degraded = Object.values(checks).some((x) => x.status !== "ok");
    c.header("Cache-Control", "no-store");
    const body = {
      status: down ? ("down" as const) : degraded ? ("degraded" as const) : ("ok" as const),
      version: cfg.APP_VERSION,
      checks,
    };
    return down ? c.json(body, 503) : c.json(body, 200);
  });
}
