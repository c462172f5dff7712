// Idempotency-Key for POSTs that create work: the same key and body replay the first answer; a different body is 422.
import type { MiddlewareHandler } from "hono";
import { sha256HexOf } from "../crypto";
import { ApiError } from "../errors";
import { claimOrReplay, releaseKey, rememberAnswer } from "../services/idempotency";
import { principalOf } from "./auth";
import type { AppEnv } from "./context";

/** 1–255 printable ASCII characters (space included), as Stripe accepts. */
const KEY_SHAPE = /^[\x20-\x7E]{1,255}$/;

/** Sorted keys, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

async function requestFingerprint(method: string, path: string, body: string): Promise<string> {
  let normalized = body;
  try {
    normalized = body === "" ? "" : canonical(JSON.parse(body));
  } catch {
    // Not JSON: the bytes themselves are the request (validation will refuse it anyway).
  }
  return sha256HexOf(`${method}\n${path}\n${normalized}`);
}

function replay(status: number, body: string | null, location: string | null): Response {
  const headers = new Headers({ "Idempotent-Replayed": "true" });
  if (location) headers.set("Location", location);
  if (body) headers.set("content-type", status >= 400 ? "application/problem+json" : "application/json");
  return new Response(status === 204 || !body ? null : body, { status, headers });
}

/**
 * Attach in a createRoute `middleware` array (after the /v1 gate has set the principal). Without the header
 * the route runs as usual. Answers below 500 are remembered for IDEMPOTENCY_TTL_SECONDS; a 400 (refused before
 * it ran), a 5xx or a thrown failure releases the key so the client can retry.
 */
export function idempotent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY_SHAPE.test(key)) {
      throw ApiError.validation("Idempotency-Key must be 1-255 printable ASCII characters", [
        { path: "Idempotency-Key", message: "must be 1-255 printable ASCII characters" },
      ]);
    }
    const owner = principalOf(c).userId;
    const route = `${c.req.method} ${c.req.path}`;
    const hash = await requestFingerprint(c.req.method, c.req.path, await c.req.text());
    const slot = { ownerId: owner, route, key };
    const prior = await claimOrReplay(c.env.DB, slot, hash, c.get("config").IDEMPOTENCY_TTL_SECONDS);
    if (prior) return replay(prior.status, prior.body, prior.location);
    let stored = false;
    try {
      await next();
      const res = c.res;
      // A 400 means the request never ran (it failed validation): the client fixes it and reuses the key.
      if (res.status < 500 && res.status !== 400) {
        const body = res.status === 204 ? "" : await res.clone().text();
        await rememberAnswer(c.env.DB, slot, hash, res.status, body, res.headers.get("location"));
        stored = true;
      }
    } finally {
      if (!stored) await releaseKey(c.env.DB, slot, hash);
    }
  };
}
