// HTTP caching for GETs: ETag/304 from the final body, Cache-Control per route, and ?fields trimming.
import type { Context, MiddlewareHandler } from "hono";
import { etag } from "hono/etag";
import { matchedRoutes } from "hono/route";
import { ApiError } from "../errors";
import type { AppEnv } from "./context";

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

/**
 * Whether a request's Cache-Control asks for an answer checked against the origin (RFC 9111: `no-cache`, or
 * `max-age=0` as a browser's reload sends): such a request reads every cache version fresh from KV.
 */
export function wantsFreshAnswer(cacheControl: string | undefined): boolean {
  if (!cacheControl) return false;
  return cacheControl
    .toLowerCase()
    .split(",")
    .some((d) => {
      const directive = d.trim();
      return directive === "no-cache" || /^max-age\s*=\s*"?0+"?$/.test(directive);
    });
}

/**
 * Default Cache-Control on answers that did not choose one: a successful GET is `private, no-cache` (revalidate with
 * its ETag); a refused GET (4xx/5xx, unknown paths included) and the answer to any other method are `no-store`:
 * a refusal or a change (which may carry a secret shown once, such as a new API key) is never something to keep.
 */
export function defaultCacheControl(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const method = c.req.method;
    if (c.res.headers.has("cache-control")) return;
    if ((method === "GET" || method === "HEAD") && c.res.status < 400)
      c.res.headers.set("Cache-Control", cacheControl("owned", 0));
    else if (method !== "OPTIONS") {
      // A refusal (a 404 of an unknown path too) or a change: nothing to keep.
      c.res.headers.set("Cache-Control", "no-store");
    }
  };
}

function pick(obj: unknown, fields: string[], known: Set<string>): unknown {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return obj;
  for (const key of Object.keys(obj)) known.add(key);
  return Object.fromEntries(fields.filter((f) => f in obj).map((f) => [f, (obj as Record<string, unknown>)[f]]));
}

/** The fields the matched route's answer declares (top-level, and its `data` items'), when it is known. */
export type DeclaredFields = (c: Context<AppEnv>) => ReadonlySet<string> | undefined;

/** Looks the matched GET route up in a map keyed by hono route path (see http/declared-fields.ts). */
export function declaredFieldsFrom(load: () => Map<string, Set<string>>): DeclaredFields {
  let byPath: Map<string, Set<string>> | undefined;
  return (c) => {
    byPath ??= load();
    for (const route of matchedRoutes(c)) {
      const fields = byPath.get(route.path);
      if (fields) return fields;
    }
    return undefined;
  };
}

/**
 * `?fields=a,b` trims each returned object, or each item of `data` when the answer carries a `data` array
 * (the envelope around it, such as `next_cursor` or `missing`, is kept). A field that neither the route's
 * declared answer nor any returned object has is 400.
 */
export function fieldSelection(declared?: DeclaredFields): MiddlewareHandler<AppEnv> {
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
    const declaredFields = declared?.(c);
    const known = new Set<string>(declaredFields ?? []);
    const items = Array.isArray(body.data) ? (body.data as unknown[]) : undefined;
    let trimmed: unknown;
    if (items) {
      trimmed = { ...body, data: items.map((item) => pick(item, fields, known)) };
    } else {
      trimmed = pick(body, fields, known);
    }
    const unknown = fields.filter((f) => !known.has(f));
    // An empty page of a route whose item shape is not declared cannot tell a wrong field from a right one.
    const undecidable = items !== undefined && items.length === 0 && declaredFields === undefined;
    if (unknown.length && !undecidable) {
      throw ApiError.validation(`Unknown field(s): ${unknown.join(", ")}`, [
        { path: "fields", message: `unknown field(s): ${unknown.join(", ")}` },
      ]);
    }
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(JSON.stringify(trimmed), { status: 200, headers });
  };
}
