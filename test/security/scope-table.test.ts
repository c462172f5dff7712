// API.md v1.1 "Access, limits and hardening", the scope of every operation in the live OpenAPI document: `read`
// every GET, `trade` creating, changing or deleting indexes, simulations, orders and alerts, `manage` API keys and
// webhooks (their lists too: account configuration, as `admin` covers /v1/admin/* GETs), `admin` /v1/admin/*
// and asset writes. Previews and stress tests compute and store nothing: `read`. For each operation a key
// without the scope is refused 403 `forbidden`, and one holding just that scope (plus read) is not.
import { beforeAll, describe, expect, it } from "vitest";
import { createKey, registerAdmin, registerUser } from "../helpers/auth";
import { callAs } from "../helpers/http";

type Scope = "read" | "trade" | "manage" | "admin";
type Json = any;

const SKIP = /^\/(health|docs|mcp$|v1\/auth\/|v1\/stream$|openapi|asyncapi|$)/;
const COMPUTE_ONLY = new Set(["/v1/indexes/preview", "/v1/indexes/{id}/rebalance-preview", "/v1/indexes/{id}/stress"]);

/** The scope API.md gives an operation. */
function scopeOf(method: string, path: string): Scope {
  if (path.startsWith("/v1/admin/") || (path.startsWith("/v1/assets") && method !== "GET")) return "admin";
  if (path.startsWith("/v1/api-keys") || path.startsWith("/v1/webhooks")) return "manage";
  if (method === "GET" || COMPUTE_ONLY.has(path)) return "read";
  return "trade";
}

let ops: Array<{ method: string; path: string }>;
const keys: Partial<Record<string, string>> = {};
let userSession: string;
let adminSession: string;

beforeAll(async () => {
  const doc: Json = (await callAs<Json>("/openapi.json")).body;
  ops = Object.entries<Json>(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "post", "patch", "delete", "put"].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path })),
    )
    .filter((o) => !SKIP.test(o.path));
  const owner = await registerUser();
  userSession = owner.access_token;
  adminSession = (await registerAdmin()).access_token;
  for (const scopes of [["trade"], ["read"], ["read", "trade"], ["read", "manage"], ["read", "trade", "manage"]])
    keys[scopes.join("+")] = (await createKey(owner.access_token, { name: scopes.join("+"), scopes })).key;
});

async function send(method: string, path: string, headers: Record<string, string>) {
  const url = path.replace(/\{[^}]+\}/g, (p) => (p === "{symbol}" ? "AAA" : "id_missing"));
  const body = method === "GET" || method === "DELETE" ? undefined : "{}";
  const r = await callAs<Json>(url, {
    method,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
    body,
  });
  return { status: r.status, code: (r.body as Json)?.code };
}

describe("every operation's scope is the one API.md names", () => {
  it("refuses a credential without the scope (403 forbidden) and lets one with it past the check", async () => {
    expect(ops.length).toBeGreaterThan(50);
    const wrong: string[] = [];
    for (const { method, path } of ops) {
      const scope = scopeOf(method, path);
      const [without, withIt] =
        scope === "admin"
          ? [{ authorization: `Bearer ${userSession}` }, { authorization: `Bearer ${adminSession}` }]
          : scope === "read"
            ? [{ "x-api-key": keys.trade! }, { "x-api-key": keys.read! }]
            : [
                { "x-api-key": keys[scope === "trade" ? "read+manage" : "read+trade"]! },
                { "x-api-key": keys[`read+${scope}`]! },
              ];
      if (without) {
        const r = await send(method, path, without);
        if (r.status !== 403 || r.code !== "forbidden") wrong.push(`${method} ${path} without ${scope}: ${r.status}`);
      }
      const r = await send(method, path, withIt);
      if (r.status === 403 || r.status === 401) wrong.push(`${method} ${path} with ${scope}: ${r.status} ${r.code}`);
    }
    expect(wrong).toEqual([]);
  });
});
