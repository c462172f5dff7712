// Contract fuzz: fast-check generates requests from the live OpenAPI document (valid and invalid paths, queries,
// bodies, headers and credentials) and checks every answer: no 5xx, a problem+json with a documented code on every
// 4xx, 2xx bodies that match their documented schema, and nothing written by a rejected mutation.
// FUZZ_RUNS (default 10,000) and FUZZ_SEED replay a run; the seed is printed.

import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Validator } from "@cfworker/json-schema";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { createKey, registerUser } from "../helpers/auth";
import { BASE } from "../helpers/http";
import { insertAssets, insertBars, insertQuote, weekdays } from "../helpers/market";
import { testEnv } from "../helpers/test-env";

const RUNS = Number(testEnv.FUZZ_RUNS || 10_000);
const SEED = Number(testEnv.FUZZ_SEED || Date.now() % 2 ** 31);
// The rate limiter has its own tests; here it would only turn most requests into 429s.
const VARS = { RATE_LIMIT_ENABLED: "false" };
const SKIP = new Set(["/mcp", "/v1/stream", "/health/ready", "/docs"]);
/** Tables a rejected request must leave alone (the audit log records refusals by design). */
const WATCHED = [
  "users",
  "api_keys",
  "indexes",
  "simulations",
  "orders",
  "fills",
  "ledger",
  "alerts",
  "webhooks",
  "assets",
  "jobs",
];

const app = buildApp();
type Json = any;
let doc: Json;
let ops: Array<{ method: string; path: string; op: Json }>;
let codes: Set<string>;
let credentials: Array<Record<string, string>>;
const validators = new Map<string, Validator>();

async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers,
      body: method === "GET" || method === "DELETE" ? undefined : body,
    }),
    { ...env, ...VARS } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text };
}

async function fingerprint(): Promise<string> {
  const row = await env.DB.prepare(
    `SELECT ${WATCHED.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(", ")}`,
  ).first();
  return JSON.stringify(row);
}

function validatorFor(key: string, schema: Json): Validator {
  let v = validators.get(key);
  if (!v) {
    v = new Validator({ ...schema, components: doc.components } as never, "2020-12", false);
    validators.set(key, v);
  }
  return v;
}

const resolve = (s: Json): Json => (s?.$ref ? resolve(doc.components.schemas[s.$ref.split("/").pop()]) : s);

/** Values of roughly the schema's kind, valid or not: enums, bounds, formats, and plain junk. */
function sampleOf(schemaIn: Json, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schemaIn) ?? {};
  const junk = fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null), fc.double(), fc.boolean());
  if (depth > 3) return junk;
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  if (s.enum) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: junk });
  if (s.anyOf || s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf).map((x: Json) => sampleOf(x, depth + 1)));
  switch (type) {
    case "string":
      if (s.format === "date" || /date/.test(s.description ?? ""))
        return fc.oneof(
          fc
            .date({ min: new Date("2015-01-01"), max: new Date("2027-01-01"), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
          junk,
        );
      if (s.format === "date-time")
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          junk,
        );
      if (s.format === "uri")
        return fc.oneof(fc.webUrl(), fc.constantFrom("http://127.0.0.1:9/x", "https://[::1]/"), junk);
      if (s.format === "email") return fc.oneof(fc.emailAddress(), junk);
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom("AAA", "BBB", "CCC", "SPY", "idx_missing", "a", "") },
        {
          weight: 2,
          arbitrary: fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 120) }),
        },
        { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
        { weight: 1, arbitrary: junk },
      );
    case "integer":
      return fc.oneof(fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 2000, 1e6) }), fc.integer(), junk);
    case "number":
      return fc.oneof(
        fc.double({ min: s.minimum ?? -10, max: Math.min(s.maximum ?? 1e4, 1e9), noNaN: true }),
        fc.double(),
        junk,
      );
    case "boolean":
      return fc.oneof(fc.boolean(), junk);
    case "array":
      return fc.oneof(fc.array(sampleOf(s.items ?? {}, depth + 1), { maxLength: 6 }), junk);
    case "object": {
      const props = Object.entries(s.properties ?? {});
      if (!props.length) return fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 3 }), junk);
      const record = Object.fromEntries(props.map(([k, v]) => [k, sampleOf(v, depth + 1)]));
      return fc.oneof(
        { weight: 4, arbitrary: fc.record(record, { requiredKeys: s.required ?? [] }) },
        { weight: 1, arbitrary: fc.record({ ...record, unexpected_field: junk }, { requiredKeys: [] }) },
        { weight: 1, arbitrary: junk },
      );
    }
    default:
      return junk;
  }
}

function requestOf(entry: (typeof ops)[number]) {
  const params: Json[] = entry.op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === "path");
  const queryParams = params.filter((p) => p.in === "query");
  const bodySchema = entry.op.requestBody?.content?.["application/json"]?.schema;
  return fc.record({
    path: fc.tuple(
      ...pathParams.map(() =>
        fc.oneof(
          fc.constantFrom("AAA", "BBB", "idx_nope", "ord_nope", "key_nope", "whk_nope", "alr_nope"),
          fc.string({ minLength: 1, maxLength: 30 }),
        ),
      ),
    ),
    query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, sampleOf(p.schema)])), { requiredKeys: [] }),
    extraQuery: fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 })), {
      freq: 5,
    }),
    body: bodySchema
      ? fc.oneof(
          { weight: 6, arbitrary: sampleOf(bodySchema).map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
        )
      : fc.constant(undefined),
    contentType: fc.constantFrom(
      "application/json",
      "application/json",
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
    ),
    credential: fc.integer({ min: 0, max: 3 }),
    idempotency: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { freq: 4 }),
  });
}

beforeAll(async () => {
  const ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
    { symbol: "CCC", name: "Gamma" },
    { symbol: "SPY", name: "S&P 500 ETF", asset_class: "etf" },
  ]);
  const dates = weekdays("2024-01-02", 60);
  for (const [symbol, id] of ids) {
    await insertBars(id, dates, (i) => 100 + i + symbol.charCodeAt(0));
    await insertQuote(id, 150, 149);
  }
  doc = JSON.parse((await send("GET", "/openapi.json", {})).text);
  codes = new Set(doc.components.schemas.Problem?.properties?.code?.enum ?? []);
  ops = Object.entries(doc.paths)
    .flatMap(([path, item]: [string, Json]) =>
      Object.entries(item)
        .filter(([m]) => ["get", "post", "patch", "delete", "put"].includes(m))
        .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    )
    .filter((o) => !SKIP.has(o.path));
  const user = await registerUser();
  const key = await createKey(user.access_token, { name: "fuzz", scopes: ["read"] });
  credentials = [
    { authorization: `Bearer ${user.access_token}` },
    { "x-api-key": key.key },
    {},
    { authorization: "Bearer not.a.token" },
  ];
  console.log(`[fuzz] seed=${SEED} runs=${RUNS} operations=${ops.length} (replay: FUZZ_SEED=${SEED})`);
});

describe("contract fuzz over the live OpenAPI document", () => {
  it(`sends ${RUNS} generated requests: no 5xx, documented problems, documented bodies, no write on refusal`, async () => {
    expect(ops.length).toBeGreaterThan(40);
    expect(codes.size).toBeGreaterThan(10);
    let sent = 0;
    const statuses = new Map<number, number>();
    const arbitrary = fc
      .integer({ min: 0, max: ops.length - 1 })
      .chain((i) => requestOf(ops[i]!).map((req) => ({ entry: ops[i]!, req })));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ entry, req }) => {
        let path = entry.path;
        for (const [i, p] of (entry.op.parameters ?? []).filter((x: Json) => x.in === "path").entries())
          path = path.replace(`{${p.name}}`, encodeURIComponent(String(req.path[i] ?? "x")));
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(req.query))
          if (v !== undefined) qs.set(k, Array.isArray(v) ? v.join(",") : String(v));
        if (req.extraQuery) qs.set(req.extraQuery[0], req.extraQuery[1]);
        const url = qs.size ? `${path}?${qs}` : path;
        const headers: Record<string, string> = { ...credentials[req.credential]!, "cf-connecting-ip": "198.18.0.7" };
        if (req.body !== undefined) headers["content-type"] = req.contentType;
        if (req.idempotency) headers["idempotency-key"] = req.idempotency;
        const mutating = entry.method !== "GET";
        const before = mutating ? await fingerprint() : "";
        const r = await send(entry.method, url, headers, req.body);
        sent++;
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        const where = `${entry.method} ${url} → ${r.status} ${r.text.slice(0, 300)}`;
        expect(r.status, where).toBeLessThan(500);
        if (r.status >= 400) {
          expect(r.type, where).toContain("application/problem+json");
          const body = JSON.parse(r.text);
          expect(codes.has(body.code), where).toBe(true);
          if (mutating) expect(await fingerprint(), `a refused ${where} wrote`).toBe(before);
          return;
        }
        const schema = entry.op.responses?.[String(r.status)]?.content?.["application/json"]?.schema;
        if (schema && r.type.includes("application/json") && r.text) {
          const result = validatorFor(`${entry.method} ${entry.path} ${r.status}`, schema).validate(JSON.parse(r.text));
          expect(result.valid, `${where}\n${JSON.stringify(result.errors.slice(0, 3))}`).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`[fuzz] sent ${sent} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(sent).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});
