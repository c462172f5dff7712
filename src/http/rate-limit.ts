// Distributed rate limit for /v1: one RateLimiter Durable Object per client key, RateLimit-* headers on every answer.
import type { Context, MiddlewareHandler } from "hono";
import type { Config } from "../config";
import { perPeriod } from "../domain/token-bucket";
import type { LimitDecision } from "../durable/rate-limiter";
import { ApiError } from "../errors";
import { lookUpUserEarly } from "./auth";
import type { AppEnv } from "./context";
import type { RouteCosts } from "./route-costs";
import { timed } from "./server-timing";
import { LeaseBook } from "./token-leases";

export type Tier = "anon" | "user" | "key" | "admin";

interface ClientKey {
  /** The RateLimiter object: one per user (all their keys and sessions), else one per client IP. */
  name: string;
  /** The credential's own bucket inside it: `key:<id>` for a key, `requests` for the user's sessions or an IP. */
  bucket: string;
  tier: Tier;
  /** Set for authenticated callers: the user's aggregate bucket spans every key and session of theirs. */
  account?: boolean;
}

/** Whose buckets a request draws from: the API key's and its user's, else the user's, else the client IP's. */
export function clientKeyOf(c: Context<AppEnv>): ClientKey {
  const identity = c.get("identity");
  if (identity?.keyId)
    return { name: `user:${identity.userId}`, bucket: `key:${identity.keyId}`, tier: "key", account: true };
  if (identity)
    return {
      name: `user:${identity.userId}`,
      bucket: "requests",
      tier: identity.role === "admin" ? "admin" : "user",
      account: true,
    };
  return { name: `ip:${c.req.header("cf-connecting-ip") ?? "unknown"}`, bucket: "requests", tier: "anon" };
}

/** The aggregate per user: never below the caller's own tier (an admin's one session keeps the admin limit). */
function accountLimit(cfg: Config, tier: Tier): number {
  return Math.max(cfg.RATE_LIMIT_ACCOUNT_PER_MINUTE, limitFor(cfg, tier));
}

export function limitFor(cfg: Config, tier: Tier): number {
  switch (tier) {
    case "anon":
      return cfg.RATE_LIMIT_ANON_PER_MINUTE;
    case "user":
      return cfg.RATE_LIMIT_USER_PER_MINUTE;
    case "key":
      return cfg.RATE_LIMIT_KEY_PER_MINUTE;
    case "admin":
      return cfg.RATE_LIMIT_ADMIN_PER_MINUTE;
  }
}

/**
 * "Denied until" per client key in this isolate, for requests costing at least what was refused. It only ever
 * refuses, and only until the moment the Durable Object said that many tokens will exist again, so it spares round
 * trips while a client hammers but never admits extra; a cheaper request still asks the Durable Object, and a
 * refusal from here reports the tokens the Durable Object said were left.
 */
const MAX_REMEMBERED = 10_000;
interface Denial {
  until: number;
  limit: number;
  cost: number;
  /** What the Durable Object said was left at `at`, and the slowest refill of the buckets it weighed. */
  remaining: number;
  at: number;
  refillPerSecond: number;
  resetSeconds: number;
}

/**
 * A remembered refusal's headers now: the tokens left then plus what the slowest bucket has refilled since (never
 * more than the limit), and the reset shortened by the time gone. Other isolates may have spent some meanwhile,
 * which only the Durable Object knows; this is what this isolate last heard, moved on by the clock.
 */
function denialHeaders(d: Denial, now: number): Record<string, string> {
  const elapsed = Math.max(0, now - d.at) / 1000;
  return headersOf({
    limit: d.limit,
    remaining: Math.min(d.limit, Math.floor(d.remaining + elapsed * d.refillPerSecond)),
    resetSeconds: Math.ceil(d.resetSeconds - elapsed),
  });
}
const deniedUntil = new Map<string, Denial>();

function rememberDenial(name: string, denial: Denial, now: number) {
  if (deniedUntil.size >= MAX_REMEMBERED) {
    for (const [k, v] of deniedUntil) if (v.until <= now) deniedUntil.delete(k);
    // Still full of live denials: drop the oldest; forgetting one only costs a round trip.
    if (deniedUntil.size >= MAX_REMEMBERED) deniedUntil.delete(deniedUntil.keys().next().value!);
  }
  deniedUntil.set(name, denial);
}

/** This isolate's token leases (see http/token-leases.ts). */
const leases = new LeaseBook();

/** For tests: forget local denials and leases so each test starts from the Durable Object's view. */
export function forgetLocalDenials(): void {
  deniedUntil.clear();
  leases.clear();
}

function headersOf(d: Pick<LimitDecision, "limit" | "remaining" | "resetSeconds">): Record<string, string> {
  return {
    "RateLimit-Limit": String(d.limit),
    "RateLimit-Remaining": String(Math.max(0, d.remaining)),
    "RateLimit-Reset": String(Math.max(0, d.resetSeconds)),
  };
}

function limited(headers: Record<string, string>, retryAfter: number): ApiError {
  return new ApiError("rate_limited", `Too many requests; retry in ${retryAfter} s`, {
    headers: { ...headers, "Retry-After": String(retryAfter) },
  });
}

/**
 * Runs after `identify()` and before the 401 gate, so even refused requests are counted and carry headers. Each
 * request takes its route's declared cost (`x-rate-limit-cost`) from the credential's bucket and, for a signed-in
 * caller, from the user's aggregate bucket too (both or neither, in one Durable Object call).
 */
export function rateLimit(costs: () => RouteCosts): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const cfg = c.get("config");
    if (!cfg.RATE_LIMIT_ENABLED) return next();
    const client = clientKeyOf(c);
    const { tier } = client;
    const name = `${client.name}|${client.bucket}`;
    const limit = limitFor(cfg, tier);
    const cost = costs().of(c.req.method, c.req.path, () => new URL(c.req.url).searchParams);
    const now = Date.now();

    const local = deniedUntil.get(name);
    if (local && (local.until <= now || local.limit !== limit)) deniedUntil.delete(name);
    else if (local && cost >= local.cost)
      throw limited(denialHeaders(local, now), Math.ceil((local.until - now) / 1000));

    lookUpUserEarly(c);
    let decision: LimitDecision;
    const buckets = [{ name: client.bucket, ...perPeriod(limit, 60), cost }];
    if (client.account) buckets.push({ name: "account", ...perPeriod(accountLimit(cfg, tier), 60), cost });
    try {
      decision = await timed(
        c,
        "limit",
        leases.admit(() => c.env.RATE_LIMITER.getByName(client.name), name, buckets, now),
      );
    } catch (err) {
      // The limiter being unreachable must not take the API down with it: admit, say so in the log, send no headers.
      console.error(
        JSON.stringify({
          level: "error",
          msg: "rate limiter unavailable",
          request_id: c.get("requestId"),
          error: String(err),
        }),
      );
      return next();
    }
    const headers = headersOf(decision);
    if (!decision.allowed) {
      const until = now + decision.retryAfterSeconds * 1000;
      const refillPerSecond = Math.min(...buckets.map((b) => b.refillPerSecond));
      rememberDenial(
        name,
        {
          until,
          limit,
          cost,
          remaining: decision.remaining,
          at: now,
          refillPerSecond,
          resetSeconds: decision.resetSeconds,
        },
        now,
      );
      throw limited(headers, decision.retryAfterSeconds);
    }
    await next();
    // A WebSocket upgrade's response cannot take headers after the fact; every other answer (errors too) gets them.
    if (c.res.status === 101) return;
    try {
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
    } catch {
      // Immutable headers (a response passed through from a subrequest): copy once, then stamp.
      c.res = new Response(c.res.body, c.res);
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
    }
  };
}
