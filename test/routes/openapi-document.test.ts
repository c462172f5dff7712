// The served OpenAPI document states every convention on every operation, and the server does what it states.
import { describe, expect, it } from "vitest";
import type { AnswerOf } from "../helpers/answers";
import { call, callAs, userToken } from "../helpers/http";
import { insertAssets, insertBars } from "../helpers/market";

type Json = Record<string, any>;
const METHODS = ["get", "post", "put", "patch", "delete"];

async function document(): Promise<Json> {
  const r = await call("/openapi.json");
  expect(r.status).toBe(200);
  return r.body;
}

function operations(doc: Json): Array<{ method: string; path: string; op: Json }> {
  const out: Array<{ method: string; path: string; op: Json }> = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of METHODS) if (item[method]) out.push({ method, path, op: item[method] });
  }
  return out;
}

// From API.md ("code is one of") plus the v1.1 additions; written here, not read from the code under test.
const CONTRACT_CODES = [
  "validation_failed",
  "invalid_cursor",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "idempotency_conflict",
  "quota_exceeded", // v1.1
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "upstream_unavailable",
  "internal_error",
];
const PUBLIC = [
  "GET /health",
  "GET /health/ready",
  "POST /v1/auth/register",
  "POST /v1/auth/login",
  "POST /v1/auth/refresh",
  "GET /v1/stream",
  "GET /openapi.json",
  "GET /asyncapi.json",
  "GET /docs",
  "GET /",
];
const header = (response: Json, name: string) => response.headers?.[name];

describe("OpenAPI document conventions", () => {
  it("gives every operation a unique operationId, a declared tag and a description", async () => {
    const doc = await document();
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(50);
    const declared = new Set((doc.tags as Json[]).map((t) => t.name));
    const ids = new Set<string>();
    for (const { method, path, op } of ops) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(ids.has(op.operationId), `${where} repeats ${op.operationId}`).toBe(false);
      ids.add(op.operationId);
      expect(op.tags?.length, where).toBeGreaterThan(0);
      for (const t of op.tags) expect(declared.has(t), `${where} tag ${t}`).toBe(true);
      expect(op.description, where).toBeTruthy();
    }
    expect(ids.has("listAssets") && ids.has("getAsset") && ids.has("createIndex") && ids.has("login")).toBe(true);
  });

  it("declares security [] on exactly the public routes and a credential on every other", async () => {
    const doc = await document();
    for (const { method, path, op } of operations(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (PUBLIC.includes(where)) expect(op.security, where).toEqual([]);
      else expect(op.security, where).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    }
  });

  it("declares the response headers: X-Request-Id, RateLimit-*, Retry-After, ETag, Location, Idempotent-Replayed", async () => {
    const doc = await document();
    for (const { method, path, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses as Json)) {
        const where = `${method} ${path} ${status}`;
        expect(header(response, "X-Request-Id"), where).toBeDefined();
        if (path.startsWith("/v1/") || path === "/mcp") {
          for (const h of ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]) {
            expect(header(response, h), `${where} ${h}`).toBeDefined();
          }
        }
        if (status === "429") expect(header(response, "Retry-After"), where).toBeDefined();
        if (method === "get" && status === "200") expect(header(response, "ETag"), where).toBeDefined();
      }
      if (path.startsWith("/v1/") && path !== "/v1/stream")
        expect(op.responses["429"], `${method} ${path}`).toBeDefined();
    }
    const orders = doc.paths["/v1/orders"].post.responses["201"];
    expect(header(orders, "Location")).toBeDefined();
    expect(header(orders, "Idempotent-Replayed")).toBeDefined();
    expect(header(doc.paths["/v1/assets"].get.responses["200"], "Link")).toBeDefined();
  });

  it("declares a 304 with its ETag on every GET, and an If-None-Match parameter", async () => {
    const doc = await document();
    for (const { method, path, op } of operations(doc)) {
      if (method !== "get" || path === "/v1/stream") continue;
      expect(header(op.responses["304"] ?? {}, "ETag"), `${path} 304`).toBeDefined();
      expect(op.responses["304"].content, path).toBeUndefined();
      expect(
        op.parameters?.some((p: Json) => p.in === "header" && p.name === "If-None-Match"),
        path,
      ).toBe(true);
    }
  });

  it("states the error code enum: exactly the contract's codes", async () => {
    const doc = await document();
    const codes: string[] = doc.components.schemas.Problem.properties.code.enum;
    expect([...codes].sort()).toEqual([...CONTRACT_CODES].sort());
    expect(doc.paths["/v1/stream"].get.responses["400"]).toBeDefined();
    const r = await call("/v1/stream");
    expect(codes).toContain(r.problem.code);
  });

  it("restricts ?fields= to the names the answer declares, and the server refuses what the pattern refuses", async () => {
    const doc = await document();
    const fields = (doc.paths["/v1/assets"].get.parameters as Json[]).find((p) => p.name === "fields");
    const pattern = new RegExp(fields?.schema.pattern);
    expect(pattern.test("symbol,name")).toBe(true);
    expect(pattern.test("symbol,nope")).toBe(false);
    const { token } = await userToken();
    expect((await call("/v1/assets?fields=symbol,name", { token })).status).toBe(200);
    expect((await call("/v1/assets?fields=symbol,nope", { token })).status).toBe(400);
  });

  it("leaves fields that have a default out of `required` (a client may omit them)", async () => {
    const doc = await document();
    const body = doc.paths["/v1/orders"].post.requestBody.content["application/json"].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split("/").pop()] : body;
    for (const [name, prop] of Object.entries(schema.properties as Json)) {
      if (prop.default !== undefined) expect(schema.required ?? [], name).not.toContain(name);
    }
  });

  it("sends the Link rel=next header it declares on a page that has a next one", async () => {
    const { token } = await userToken();
    const ids = await insertAssets([{ symbol: "LNKA", name: "Link Test" }]);
    await insertBars(ids.get("LNKA")!, ["2024-01-02", "2024-01-03", "2024-01-04"], (i) => 10 + i);
    const first = await call("/v1/assets/LNKA/prices?limit=2", { token });
    expect(first.status).toBe(200);
    const link = first.headers.get("link");
    expect(link).toMatch(/^<\/v1\/assets\/LNKA\/prices\?limit=2&cursor=[^>]+>; rel="next"$/);
    const next = await callAs<AnswerOf<"/v1/assets/{symbol}/prices", "GET">>(link!.slice(1, link!.indexOf(">")), {
      token,
    });
    expect(next.body.data.map((b) => b.date)).toEqual(["2024-01-04"]);
    expect(next.headers.get("link")).toBeNull();
  });
});

describe("Location on every create the document says has one", () => {
  it("points at the created resource", async () => {
    const { token } = await userToken();
    const doc = await document();
    const creates = operations(doc).filter(
      ({ op }) => op.responses["201"]?.headers?.Location || op.responses["202"]?.headers?.Location,
    );
    expect(creates.map((c) => c.path).sort()).toEqual(
      [
        "/v1/alerts",
        "/v1/api-keys",
        "/v1/assets",
        "/v1/indexes",
        "/v1/orders",
        "/v1/simulations",
        "/v1/webhooks",
      ].sort(),
    );
    const key = await call("/v1/api-keys", { method: "POST", token, json: { name: "loc", scopes: ["read"] } });
    expect(key.status).toBe(201);
    expect(key.headers.get("location")).toBe(`/v1/api-keys/${key.body.id}`);
    const hook = await call("/v1/webhooks", {
      method: "POST",
      token,
      json: { url: "http://127.0.0.1:9/hook", events: ["index.ready"] },
    });
    expect(hook.status).toBe(201);
    expect(hook.headers.get("location")).toBe(`/v1/webhooks/${hook.body.id}`);
    const admin = await userToken("admin");
    const asset = await call("/v1/assets", {
      method: "POST",
      token: admin.token,
      json: { symbol: "LOCX", name: "Location Test", exchange: "NASDAQ", asset_class: "equity", currency: "USD" },
    });
    expect(asset.status, asset.text).toBe(201);
    expect(asset.headers.get("location")).toBe("/v1/assets/LOCX");
  });
});
