// Contract fuzz: fast-check generates requests from the live OpenAPI document (valid and invalid paths, queries,
// bodies, headers and credentials) and checks every answer: no 5xx, a problem+json with a documented code on every
// 4xx, 2xx bodies that match their documented schema, and nothing written by a rejected mutation. About 45% of
// the requests are well-formed (schema-valid bodies and queries, ids that exist, a credential with the scope) so
// success paths are exercised too; the rest are hostile. FUZZ_RUNS (default 10,000) and FUZZ_SEED replay a run;
// the seed and the share of 2xx answers are printed.

import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Validator } from "@cfworker/json-schema";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { buildJob } from "../../src/services/index-builds";
import { createKey, loginAs, PASSWORD, registerAdmin, registerUser } from "../helpers/auth";
import { BASE } from "../helpers/http";
import { insertAssets, insertBars, insertQuote, weekdays } from "../helpers/market";
import { type FixtureWorld, roughlyOf, validOf } from "../helpers/schema-values";
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
/** Credentials by role, for well-formed requests (indexes into `credentials`). */
const SESSION = 0;
const FULL_KEY = 4;
const ADMIN = 5;
const SYMBOLS = ["AAA", "BBB", "CCC", "SPY"];
let world: FixtureWorld;
/** Ids that exist, by the path that names them; a successful DELETE of one is replaced (see `restock`). */
const pools: Record<string, string[]> = {};
const poolOf = (path: string) => Object.keys(pools).find((prefix) => path.startsWith(prefix));

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
    query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, roughlyOf(p.schema, resolve)])), {
      requiredKeys: [],
    }),
    extraQuery: fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 10 })), {
      freq: 5,
    }),
    body: bodySchema
      ? fc.oneof(
          { weight: 6, arbitrary: roughlyOf(bodySchema, resolve).map((v) => JSON.stringify(v)) },
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

/** A well-formed request: path ids that exist, schema-valid query and body, JSON, a credential with the scope. */
function wellFormedOf(entry: (typeof ops)[number]) {
  const params: Json[] = entry.op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === "path");
  // `fields` trims the documented body (its own tests are in test/http/field-selection.test.ts); a made-up
  // `cursor` is refused by design (it is signed).
  const queryParams = params.filter((p) => p.in === "query" && p.name !== "fields" && p.name !== "cursor");
  const bodySchema = entry.op.requestBody?.content?.["application/json"]?.schema;
  const pool = poolOf(entry.path);
  const admin = entry.path.startsWith("/v1/admin") || (entry.path.startsWith("/v1/assets") && entry.method !== "GET");
  return fc.record({
    path: fc.tuple(
      ...pathParams.map((p) =>
        p.name === "symbol"
          ? // An admin's DELETE of a fixture symbol would empty every later read of it.
            entry.method === "DELETE"
            ? fc.constant("ZZZ")
            : fc.constantFrom(...SYMBOLS)
          : fc.constantFrom(...(pool && pools[pool]!.length ? pools[pool]! : ["none"])),
      ),
    ),
    query: fc.record(
      Object.fromEntries(queryParams.map((p) => [p.name, validOf(p.schema, world, p.name)])),
      // Optional parameters are each left out half the time.
      { requiredKeys: queryParams.filter((p) => p.required).map((p) => p.name) as never[] },
    ),
    extraQuery: fc.constant(null),
    body: BODIES[entry.path]
      ? fc.constant(null).map(() => JSON.stringify(BODIES[entry.path]!()))
      : bodySchema
        ? conforming(validOf(bodySchema, world), `${entry.method} ${entry.path} body`, bodySchema).map((v) =>
            JSON.stringify(v),
          )
        : fc.constant(undefined),
    contentType: fc.constant("application/json"),
    credential: admin ? fc.constant(ADMIN) : fc.constantFrom(SESSION, SESSION, FULL_KEY),
    idempotency: fc.option(fc.uuid(), { freq: 4 }),
  });
}

/**
 * The first of eight candidates the document's own schema accepts (cross-field rules such as "limit_price only
 * for limit orders" are checked, not solved); the first candidate when none is.
 */
function conforming<T>(arb: fc.Arbitrary<T>, key: string, schema: Json): fc.Arbitrary<T> {
  const v = validatorFor(`request ${key}`, schema);
  return fc.array(arb, { minLength: 8, maxLength: 8 }).map((list) => list.find((x) => v.validate(x).valid) ?? list[0]!);
}

/** Sign-in bodies a caller would really send: the owner's password, the refresh token it was last given. */
let signIn: { email: string; refresh: string };
const BODIES: Record<string, () => Json> = {
  "/v1/auth/login": () => ({ email: signIn.email, password: PASSWORD }),
  "/v1/auth/refresh": () => ({ refresh_token: signIn.refresh }),
};

async function created(path: string, body: Json, token: string): Promise<string | undefined> {
  const r = await send(
    "POST",
    path,
    { authorization: `Bearer ${token}`, "content-type": "application/json" },
    JSON.stringify(body),
  );
  return r.status < 300 ? JSON.parse(r.text).id : undefined;
}

let owner: { access_token: string };
/** Bodies that create one of each kind of owned resource (ids for well-formed requests). */
const MAKERS: Record<string, () => Json> = {
  "/v1/indexes/": () => ({
    name: "fuzz",
    constituents: ["AAA", "BBB"],
    weighting: "equal",
    rebalance: "monthly",
    base_date: world.dates[0],
  }),
  "/v1/orders/": () => ({ symbol: "AAA", side: "buy", qty: 1, type: "limit", limit_price: 1, time_in_force: "gtc" }),
  "/v1/alerts/": () => ({ symbol: "AAA", condition: "above", price: 10_000 }),
  "/v1/webhooks/": () => ({ url: `https://hooks.example.com/${crypto.randomUUID()}`, events: ["index.ready"] }),
  "/v1/api-keys/": () => ({ name: "pool", scopes: ["read"] }),
  "/v1/simulations/": () => ({
    index: MAKERS["/v1/indexes/"]!(),
    start: world.dates[0],
    end: world.dates.at(-1),
    initial_capital: 10_000,
  }),
};

/** After a well-formed DELETE took a pooled id away, one new resource of that kind takes its place. */
async function restock(path: string, id: string) {
  const prefix = poolOf(path);
  if (!prefix || !MAKERS[prefix]) return;
  pools[prefix] = pools[prefix]!.filter((x) => x !== id);
  const made = await make(prefix, owner.access_token);
  if (made) pools[prefix]!.push(made);
}

/** One resource of the pool's kind; an index is built in line, so its data routes answer. */
async function make(prefix: string, token: string): Promise<string | undefined> {
  const id = await created(prefix.slice(0, -1), MAKERS[prefix]!(), token);
  if (id && prefix === "/v1/indexes/") await buildJob(env, { index_id: id, version: 1 });
  return id;
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
  owner = user;
  const key = await createKey(user.access_token, { name: "fuzz", scopes: ["read"] });
  const full = await createKey(user.access_token, { name: "fuzz-full", scopes: ["read", "trade", "manage"] });
  const admin = await registerAdmin();
  credentials = [
    { authorization: `Bearer ${user.access_token}` },
    { "x-api-key": key.key },
    {},
    { authorization: "Bearer not.a.token" },
    { "x-api-key": full.key },
    { authorization: `Bearer ${admin.access_token}` },
  ];
  world = { resolve, symbols: SYMBOLS, dates };
  signIn = { email: user.email, refresh: (await loginAs(user.email)).refresh_token };
  for (const prefix of Object.keys(MAKERS)) {
    pools[prefix] = [];
    for (let i = 0; i < 3; i++) {
      const id = await make(prefix, user.access_token);
      if (id) pools[prefix].push(id);
    }
  }
  const jobs = JSON.parse((await send("GET", "/v1/admin/jobs?limit=5", credentials[ADMIN]!)).text);
  pools["/v1/admin/jobs/"] = (jobs.data ?? []).map((j: Json) => j.id);
  console.log(`[fuzz] seed=${SEED} runs=${RUNS} operations=${ops.length} (replay: FUZZ_SEED=${SEED})`);
});

describe("contract fuzz over the live OpenAPI document", () => {
  it(`sends ${RUNS} generated requests: no 5xx, documented problems, documented bodies, no write on refusal`, async () => {
    expect(ops.length).toBeGreaterThan(40);
    expect(codes.size).toBeGreaterThan(10);
    let sent = 0;
    const statuses = new Map<number, number>();
    let wellFormed = 0;
    let success = 0;
    const arbitrary = fc
      .tuple(fc.integer({ min: 0, max: ops.length - 1 }), fc.integer({ min: 0, max: 99 }))
      .chain(([i, roll]) =>
        (roll < 45 ? wellFormedOf(ops[i]!) : requestOf(ops[i]!)).map((req) => ({
          entry: ops[i]!,
          req,
          valid: roll < 45,
        })),
      );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ entry, req, valid }) => {
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
        if (valid) wellFormed++;
        if (r.status < 300) success++;
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (valid && entry.path === "/v1/auth/refresh" && r.status === 200)
          signIn.refresh = JSON.parse(r.text).refresh_token; // the old one is spent: reusing it would end the family
        if (valid && entry.method === "DELETE" && r.status < 300) await restock(entry.path, String(req.path[0]));
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
    const pct = (n: number) => `${((100 * n) / sent).toFixed(1)}%`;
    console.log(
      `[fuzz] sent ${sent} requests (${pct(wellFormed)} well-formed, the rest hostile); 2xx ${success} = ${pct(success)}; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(sent).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});
