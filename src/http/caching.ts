// HTTP caching for GETs: ETag/304 from the final body, Cache-Control per route, and ?fields trimming.
import type { MiddlewareHandler } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

export const conditionalGet = (): MiddlewareHandler<AppEnv> =>
  etag({
    retainedHeaders: [
      "cache-control",
      "date",
      "etag",
      "expires",
      "vary",
      "x-request-id",
      "ratelimit-limit",
      "ratelimit-remaining",
      "ratelimit-reset",
    ],
  });

export type CachePolicy = "market" | "owned" | "none";

/** How long a cache may keep an answer; every /v1 answer depends on the credential, so shared caches keep none. */
export function cacheControl(policy: CachePolicy, maxAge: number): string {
  if (policy === "market") return `private, max-age=${maxAge}, s-maxage=0`;
  if (policy === "owned") return "private, no-cache";
  return "no-store";
}

/** Default Cache-Control on successful GETs that did not choose one. */
export function defaultCacheControl(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method === "GET" && c.res.status < 400 && !c.res.headers.has("cache-control")) {
      c.res.headers.set("Cache-Control", cacheControl("owned", 0));
    }
  };
}

function pick(obj: unknown, fields: string[], known: Set<string>): unknown {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return obj;
  for (const key of Object.keys(obj)) known.add(key);
  return Object.fromEntries(fields.filter((f) => f in obj).map((f) => [f, (obj as Record<string, unknown>)[f]]));
}

/**
 * `?fields=a,b` trims each returned object (or each item of `data`). A field no returned object has,
 * and that the route's item shape does not know, is 400.
 */
export function fieldSelection(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = c.req.query("fields");
    await next();
    if (raw === undefined || c.req.method !== "GET" || c.res.status !== 200) return;
    if (!(c.res.headers.get("content-type") ?? "").startsWith("application/json")) return;
    const fields = raw
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    if (!fields.length || fields.some((f) => !/^[a-z0-9_]{1,64}$/.test(f))) {
      throw ApiError.validation("fields must be a comma-separated list of field names", [
        { path: "fields", message: "invalid field list" },
      ]);
    }
    const body = (await c.res.json()) as Record<string, unknown>;
    const known = new Set<string>();
    const listShape = Array.isArray(body.data) && "next_cursor" in body;
    const trimmed = listShape
      ? { ...body, data: (body.data as unknown[]).map((item) => pick(item, fields, known)) }
      : pick(body, fields, known);
    const itemKeys = c.res.headers.get("x-item-fields");
    if (itemKeys) for (const k of itemKeys.split(",")) known.add(k);
    const unknown = fields.filter((f) => !known.has(f));
    if (unknown.length && (known.size > 0 || !listShape)) {
      throw ApiError.validation(`Unknown field(s): ${unknown.join(", ")}`, [
        { path: "fields", message: `unknown field(s): ${unknown.join(", ")}` },
      ]);
    }
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    headers.delete("x-item-fields");
    c.res = new Response(JSON.stringify(trimmed), { status: 200, headers });
  };
}
