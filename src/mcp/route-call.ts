// Calls a REST route in process for the admitted MCP caller, so a tool gets the route's validation, scope,
// rate limit, ownership rules and audit row exactly, with no second copy of any of them.
import type { Context } from "hono";
import { principalOf } from "../http/auth";
import type { App, AppEnv } from "../http/context";
import { delegatedRequest } from "../http/delegation";
import type { RouteShape } from "./tool-catalogue";

export interface RouteAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** The origin inner requests are addressed to; they never leave the isolate. */
const INTERNAL_ORIGIN = "http://edgeindex.internal";

function queryValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(",");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Arguments named like the route's path parameters fill the path; the rest go to the query (GET) or the
 * JSON body (other methods), unchanged, so the route's own schema judges them and names a bad field.
 */
export function requestFor(shape: RouteShape, args: Record<string, unknown>) {
  const rest: Record<string, unknown> = { ...args };
  let path = shape.path;
  for (const name of shape.pathParams) {
    const value = rest[name];
    delete rest[name];
    // A missing or empty parameter leaves a path no route matches: a 404, never another resource.
    path = path.replace(`{${name}}`, encodeURIComponent(value === undefined ? "" : String(value)));
  }
  const headers = new Headers();
  if (typeof rest.idempotency_key === "string") headers.set("idempotency-key", rest.idempotency_key);
  delete rest.idempotency_key;
  if (shape.method === "GET") {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) if (v !== undefined && v !== null) query.set(k, queryValue(v));
    const qs = query.toString();
    return { path: qs ? `${path}?${qs}` : path, method: shape.method, headers, body: undefined };
  }
  headers.set("content-type", "application/json");
  return { path, method: shape.method, headers, body: JSON.stringify(rest) };
}

export async function callRoute(
  app: App,
  c: Context<AppEnv>,
  request: { path: string; method: string; headers?: Headers; body?: string },
): Promise<RouteAnswer> {
  const headers = new Headers(request.headers);
  headers.set("x-request-id", c.get("requestId"));
  const ip = c.req.header("cf-connecting-ip");
  if (ip) headers.set("cf-connecting-ip", ip);
  const identity = c.get("identity")!;
  const inner = delegatedRequest(
    `${INTERNAL_ORIGIN}${request.path}`,
    { method: request.method, headers, body: request.body },
    { principal: principalOf(c), identity, channel: "mcp" },
  );
  const res = await app.fetch(inner, c.env, c.executionCtx);
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json") && text) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers };
}
