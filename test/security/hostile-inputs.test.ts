// Every route in the OpenAPI document, fed hostile input: each answer is a problem+json 4xx with the right code,
// and not one row changes anywhere. The route list comes from the running app, so a new route is covered at once.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
  query: string[];
}

let admin: string;
let operations: Operation[] = [];

/** A concrete URL for a templated path; ids need not exist, since validation runs before any lookup. */
const concrete = (path: string) => path.replace("{symbol}", "AAPL").replace(/\{id\}/g, "zz_0000000000000000000000");

async function tableCounts(): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  const counts: Record<string, number> = {};
  for (const { name } of results) {
    const r = await env.DB.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).first<{ n: number }>();
    counts[name] = r?.n ?? 0;
  }
  return counts;
}

function expectProblem(r: Awaited<ReturnType<typeof call>>, status: number, code: string, what: string) {
  expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(status);
  expect(r.headers.get("content-type"), what).toContain("application/problem+json");
  expect(r.body, what).toMatchObject({ status, code, request_id: expect.any(String) });
  expect(r.text, what).not.toMatch(/at \w+ \(|SQLITE|sqlite_|stack/i);
}

beforeAll(async () => {
  await insertAssets([{ symbol: "AAPL", name: "Apple" }]);
  admin = (await userToken("admin")).token;
  const doc = await call("/openapi.json");
  for (const [path, item] of Object.entries(doc.body.paths ?? {})) {
    for (const method of ["get", "post", "patch", "put", "delete"] as const) {
      const op = item[method];
      if (!op) continue;
      operations.push({
        method: method.toUpperCase(),
        path: path.replace(/\{(\w+)\}/g, "{$1}"),
        hasBody: Boolean(op.requestBody),
        query: ((op.parameters ?? []) as Array<{ in: string; name: string }>)
          .filter((p) => p.in === "query")
          .map((p) => p.name),
      });
    }
  }
  operations = operations.filter((o) => o.path.startsWith("/v1/") && o.path !== "/v1/stream");
});

describe("hostile input on every route", () => {
  it("finds the routes in the OpenAPI document", () => {
    expect(operations.filter((o) => o.hasBody).length).toBeGreaterThanOrEqual(14);
    expect(operations.filter((o) => o.method === "GET").length).toBeGreaterThanOrEqual(25);
  });

  it("refuses malformed JSON, wrong types, unknown fields, huge and non-JSON bodies on every body route; nothing is written", async () => {
    const before = await tableCounts();
    const checked: string[] = [];
    for (const op of operations.filter((o) => o.hasBody)) {
      const url = concrete(op.path);
      const what = (kind: string) => `${op.method} ${op.path} with ${kind}`;
      const send = (body: string, contentType = "application/json") =>
        call(url, {
          method: op.method,
          token: admin,
          headers: { "content-type": contentType, "idempotency-key": crypto.randomUUID() },
          body,
        });
      expectProblem(await send('{"name": "x",'), 400, "validation_failed", what("malformed JSON"));
      expectProblem(await send("[1, 2, 3]"), 400, "validation_failed", what("an array body"));
      expectProblem(await send('"just a string"'), 400, "validation_failed", what("a string body"));
      expectProblem(
        await send(JSON.stringify({ "'; DROP TABLE users; --": 1, __proto__: { admin: true }, zz_unknown: [] })),
        400,
        "validation_failed",
        what("unknown and SQL-ish fields"),
      );
      expectProblem(await send("name=x", "text/plain"), 415, "unsupported_media_type", what("text/plain"));
      expectProblem(
        await send(JSON.stringify({ name: "x".repeat(1_100_000) })),
        413,
        "payload_too_large",
        what("a 1.1 MB body"),
      );
      checked.push(`${op.method} ${op.path}`);
    }
    expect(checked.length).toBeGreaterThanOrEqual(14);
    // Nothing changed but the audit trail, which records each refused attempt of the signed-in admin once (the four
    // 400s per route; the 413 and 415 are refused before authentication and write nothing).
    const { audit_log: auditAfter, ...after } = await tableCounts();
    const { audit_log: auditBefore, ...unchanged } = before;
    expect(after).toEqual(unchanged);
    // Audited: every mutation behind the credential gate; not the public auth routes (no one is signed in there) nor
    // the compute-only POSTs (previews, stress).
    const unaudited =
      /^POST \/v1\/(auth\/(register|login|refresh)|indexes\/(preview|\{id\}\/(rebalance-preview|stress)))$/;
    const audited = checked.filter((o) => !unaudited.test(o));
    expect(audited.length).toBeGreaterThanOrEqual(10);
    expect(auditAfter! - auditBefore!).toBe(4 * audited.length);
    const outcomes = await env.DB.prepare(
      "SELECT DISTINCT outcome FROM audit_log WHERE id > (SELECT MAX(id) - ? FROM audit_log)",
    )
      .bind(4 * audited.length)
      .all<{ outcome: string }>();
    expect(outcomes.results).toEqual([{ outcome: "failure" }]);
  });

  it("refuses unknown, mistyped and out-of-range query parameters on every GET; nothing is written", async () => {
    const before = await tableCounts();
    for (const op of operations.filter((o) => o.method === "GET")) {
      const url = concrete(op.path);
      const get = (qs: string) => call(`${url}?${qs}`, { token: admin });
      // Routes that take query parameters validate them strictly; ones that take none (but the `?fields=` every
      // GET honours) ignore the rest of the query string.
      if (op.query.some((q) => q !== "fields")) {
        expectProblem(await get("zz_unknown=1"), 400, "validation_failed", `GET ${op.path}?zz_unknown=1`);
      }
      if (op.query.includes("limit")) {
        for (const bad of ["-1", "0", "abc", "1e9", "1; DROP TABLE prices"]) {
          expectProblem(
            await get(`limit=${encodeURIComponent(bad)}`),
            400,
            "validation_failed",
            `GET ${op.path}?limit=${bad}`,
          );
        }
      }
      for (const name of ["start", "end", "date"]) {
        if (!op.query.includes(name)) continue;
        for (const bad of ["2024-02-30", "24-01-01", "0000-01-01", "2024-01-01T00:00:00Z' OR 1=1"]) {
          expectProblem(
            await get(`${name}=${encodeURIComponent(bad)}`),
            400,
            "validation_failed",
            `GET ${op.path}?${name}=${bad}`,
          );
        }
      }
      // (Under a path id the resource is looked up first, so a made-up id answers 404 before the cursor is read.)
      if (op.query.includes("cursor") && !op.path.includes("{")) {
        expectProblem(await get("cursor=not-a-cursor"), 400, "invalid_cursor", `GET ${op.path}?cursor=tampered`);
      }
    }
    expect(await tableCounts()).toEqual(before);
  });
});
