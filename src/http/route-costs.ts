// What a request costs in rate-limit tokens: each route declares `x-rate-limit-cost` beside its definition (it is
// published in the OpenAPI document as is); routes whose work grows with the request say how it grows.

import type { OpenAPIHono } from "@hono/zod-openapi";

type OpenAPIRegistry = OpenAPIHono["openAPIRegistry"];

/**
 * A fixed cost, or one that grows with the symbols × years of history the request asks for (e.g. a correlation
 * matrix): `base + per_symbol_year × symbols × years`, rounded up, and at most `max` (what the largest request the
 * route accepts costs: a larger one is refused by the route, 422, and must not cost more than a bucket holds).
 */
export type RateLimitCost = number | { base: number; per_symbol_year: number; max?: number };

/** What an undeclared route costs (none should be: a test checks every operation declares one). */
export const DEFAULT_COST = 1;
/** A request naming no range reads this many years (the routes' default window). */
const DEFAULT_YEARS = 1;
const DAY_MS = 86_400_000;

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  literalSegments: number;
  cost: RateLimitCost;
}

/** Years between `start` and `end` (ISO dates), at least 1/252 (one session); the default window when absent. */
export function yearsOf(start: string | undefined, end: string | undefined, now = Date.now()): number {
  const to = end ? Date.parse(end) : now;
  const from = start ? Date.parse(start) : to - DEFAULT_YEARS * 365.25 * DAY_MS;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) return 1 / 252;
  return (to - from) / (365.25 * DAY_MS);
}

/** Symbols named by `?symbols=A,B,C` (capped, as the routes cap them, so a junk list cannot overflow). */
function symbolCount(value: string | undefined): number {
  if (!value) return 0;
  return Math.min(1000, new Set(value.split(",").filter(Boolean)).size);
}

export function costOfRequest(cost: RateLimitCost, query: URLSearchParams): number {
  if (typeof cost === "number") return cost;
  const work =
    symbolCount(query.get("symbols") ?? undefined) *
    yearsOf(query.get("start") ?? undefined, query.get("end") ?? undefined);
  const grown = Math.max(1, Math.ceil(cost.base + cost.per_symbol_year * work));
  return cost.max === undefined ? grown : Math.min(cost.max, grown);
}

export class RouteCosts {
  private routes: CompiledRoute[] = [];

  constructor(registry: OpenAPIRegistry) {
    for (const d of registry.definitions) {
      if (d.type !== "route") continue;
      const declared = (d.route as unknown as Record<string, unknown>)["x-rate-limit-cost"] as
        | RateLimitCost
        | undefined;
      const segments = d.route.path.split("/");
      const pattern = new RegExp(
        `^${segments.map((s) => (s.startsWith("{") ? "[^/]+" : s.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))).join("/")}$`,
      );
      this.routes.push({
        method: d.route.method.toUpperCase(),
        pattern,
        literalSegments: segments.filter((s) => !s.startsWith("{")).length,
        cost: declared ?? DEFAULT_COST,
      });
    }
    // `/v1/indexes/preview` before `/v1/indexes/{id}`: the most literal match wins.
    this.routes.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** Tokens this request costs; unknown routes (404s, 405s) cost the default. */
  of(method: string, path: string, query: () => URLSearchParams): number {
    const m = method === "HEAD" ? "GET" : method;
    const route = this.routeOf(m, path);
    if (!route) return DEFAULT_COST;
    return typeof route.cost === "number" ? route.cost : costOfRequest(route.cost, query());
  }

  /** Each (method, path)'s route found once: a linear scan of ~150 patterns was ~2 % of a cached read's CPU. */
  private found = new Map<string, CompiledRoute | null>();

  private routeOf(method: string, path: string): CompiledRoute | undefined {
    const key = `${method} ${path}`;
    const known = this.found.get(key);
    if (known !== undefined) return known ?? undefined;
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    if (path.length <= 512) {
      if (this.found.size >= 2_000) this.found.clear(); // endless distinct paths (hostile): start over
      this.found.set(key, route ?? null);
    }
    return route;
  }
}
