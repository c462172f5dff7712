// POST /mcp through the official SDK client over Streamable HTTP into the real Worker: tools are the REST routes
// (same validation, scopes, rate limits and audit rows), resources are an index's methodology and report.
import { createExecutionContext, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { createKey, signature } from "../helpers/auth";
import { BASE, call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertQuote, weekdays } from "../helpers/market";
import { connectMcp, type Wire } from "../helpers/mcp";

const DAYS = weekdays("2024-01-02", 60);
let ids: Map<string, number>;

const INDEX = {
  name: "Agent Two",
  constituents: ["AAA", "BBB"],
  weighting: "equal",
  rebalance: "monthly",
  base_date: DAYS[0],
  base_value: 1000,
  benchmark: "SPY",
};

type ToolAnswer = { isError?: boolean; structuredContent?: any; content: Array<{ type: string; text?: string }> };
const tool = (client: Client, name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args }) as Promise<ToolAnswer>;

/** Polls get_index the way an agent would, until the background build job has run (bounded). */
async function untilReady(client: Client, id: string) {
  for (let i = 0; i < 100; i++) {
    const r = await tool(client, "get_index", { id });
    if (r.structuredContent.status !== "building") return r.structuredContent;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`index ${id} still building`);
}

async function auditOf(actor: string) {
  const admin = await userToken("admin");
  const r = await call(`/v1/admin/audit?actor=${actor}&limit=100`, { token: admin.token });
  expect(r.status).toBe(200);
  return [...r.body.data].reverse();
}

beforeAll(async () => {
  ids = await insertAssets([
    { symbol: "AAA", name: "Alpha Corp" },
    { symbol: "BBB", name: "Beta Corp" },
    { symbol: "SPY", name: "S&P 500 ETF", asset_class: "etf" },
  ]);
  await insertBars(ids.get("AAA")!, DAYS, (i) => 100 + i);
  await insertBars(ids.get("BBB")!, DAYS, (i) => 50 + (i % 5));
  await insertBars(ids.get("SPY")!, DAYS, (i) => 400 + 2 * i);
  await insertQuote(ids.get("AAA")!, 160, 159);
});

describe("an agent over MCP", () => {
  it("lists the tools, builds an index, reads its metrics and insights, places a paper order, and every step is in the audit log", async () => {
    const user = await userToken();
    const client = await connectMcp({ token: user.token });

    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of [
      "search_assets",
      "get_prices",
      "get_quotes",
      "create_index",
      "get_index_metrics",
      "get_index_insights",
    ])
      expect(names).toContain(name);
    for (const name of ["run_simulation", "get_simulation", "place_order", "get_portfolio"])
      expect(names).toContain(name);

    const found = await tool(client, "search_assets", { search: "Alpha" });
    expect(found.structuredContent.data.map((a: { symbol: string }) => a.symbol)).toEqual(["AAA"]);

    const created = await tool(client, "create_index", INDEX);
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toMatchObject({ status: "building", constituents: ["AAA", "BBB"] });
    const id = created.structuredContent.id as string;
    expect(await untilReady(client, id)).toMatchObject({ status: "ready", ready_version: 1 });

    const metrics = await tool(client, "get_index_metrics", { id, window: "all" });
    expect(metrics.isError).toBeFalsy();
    // The same answer the REST route gives the same caller.
    const rest = await call(`/v1/indexes/${id}/metrics?window=all`, { token: user.token });
    expect(metrics.structuredContent).toEqual(rest.body);

    const insights = await tool(client, "get_index_insights", { id });
    expect(insights.isError).toBeFalsy();
    expect(insights.structuredContent).toMatchObject({ index_id: id, version: 1 });
    const kinds = insights.structuredContent.items.map((i: { kind: string }) => i.kind);
    expect(kinds).toEqual(expect.arrayContaining(["drawdown", "tracking", "data_events"]));

    const order = await tool(client, "place_order", { symbol: "AAA", side: "buy", qty: 2, type: "market" });
    expect(order.structuredContent).toMatchObject({ status: "filled", filled_qty: 2, avg_fill_price: 160 });
    const portfolio = await tool(client, "get_portfolio");
    // 100,000 paper cash − 2 × 160.
    expect(portfolio.structuredContent).toMatchObject({ cash: 99680, equity: 100000 });

    const trail = await auditOf(user.id);
    const steps = trail.map((r) => `${r.action} ${r.target ?? ""}`.trim());
    expect(steps).toEqual(
      expect.arrayContaining([
        "mcp.tools_listed",
        "mcp.tool_called search_assets",
        "mcp.tool_called create_index",
        `index.create ${id}`,
        "mcp.tool_called get_index_metrics",
        "mcp.tool_called get_index_insights",
        "mcp.tool_called place_order",
        `order.create ${order.structuredContent.id}`,
        "mcp.tool_called get_portfolio",
      ]),
    );
    // In the order the agent took them, and the mutations say they came through MCP.
    const at = (s: string) => steps.indexOf(s);
    expect(at("mcp.tools_listed")).toBeLessThan(at("mcp.tool_called create_index"));
    expect(at(`index.create ${id}`)).toBeLessThan(at("mcp.tool_called get_index_metrics"));
    expect(at("mcp.tool_called get_index_metrics")).toBeLessThan(at("mcp.tool_called get_index_insights"));
    expect(at("mcp.tool_called get_index_insights")).toBeLessThan(at(`order.create ${order.structuredContent.id}`));
    expect(trail.find((r) => r.action === "index.create")!.detail).toMatchObject({ via: "mcp" });
    expect(trail.find((r) => r.action === "order.create")!.detail).toMatchObject({ via: "mcp", symbol: "AAA" });
    await client.close();
  });
});

describe("authentication", () => {
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
  };
  const headers = { accept: "application/json, text/event-stream" };

  it("answers 401 problem+json without a credential, with RateLimit-* like /v1", async () => {
    const r = await call("/mcp", { method: "POST", json: initialize, headers });
    expect(r.status).toBe(401);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.headers.get("www-authenticate")).toContain("Bearer");
    expect(r.headers.get("ratelimit-limit")).toBeTruthy();
    expect(r.body).toMatchObject({ code: "unauthorized", status: 401 });
  });

  it("refuses a bad API key and accepts a good one", async () => {
    const bad = await call("/mcp", { method: "POST", json: initialize, headers: { ...headers, "x-api-key": "nope" } });
    expect(bad.status).toBe(401);
    const user = await userToken();
    const key = await createKey(user.token, { name: "agent", scopes: ["read"] });
    const client = await connectMcp({ key: key.key });
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(5);
    await client.close();
  });

  it("takes a signing key's signed POSTs, and a route call inside one needs no second signature", async () => {
    const user = await userToken();
    const key = await createKey(user.token, { name: "signer", scopes: ["read", "trade"], signing: true });
    const unsigned = await call("/mcp", {
      method: "POST",
      json: initialize,
      headers: { ...headers, "x-api-key": key.key },
    });
    expect(unsigned.status).toBe(401);
    const signed = async (request: Request) => {
      const body = await request.clone().text();
      const ts = String(Math.floor(Date.now() / 1000));
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.set("x-timestamp", ts);
      const path = url.pathname;
      headers.set("x-signature", await signature(key.signing_secret!, ts, request.method, path, body));
      return exports.default.fetch(
        new Request(`${BASE}${path}`, { method: request.method, headers, body: body || undefined }),
      );
    };
    const client = await connectMcp({ key: key.key, fetch: signed });
    const r = await tool(client, "get_portfolio");
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ cash: 100000 });
    await client.close();
  });

  it("answers a body that is not JSON-RPC with a JSON-RPC error (400): -32700 not JSON, -32600 not one message", async () => {
    const user = await userToken();
    const send = (body: string) =>
      call("/mcp", {
        method: "POST",
        token: user.token,
        body,
        headers: { ...headers, "content-type": "application/json" },
      });
    const notJson = await send("{bad");
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get("content-type")).toContain("application/json");
    expect(notJson.body).toEqual({ jsonrpc: "2.0", error: { code: -32700, message: expect.any(String) }, id: null });
    // The field at fault is named, and the message's own id comes back when it has a valid one.
    const wrongVersion = await send(JSON.stringify({ jsonrpc: "1.0", id: 7, method: "tools/list" }));
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body).toMatchObject({ jsonrpc: "2.0", error: { code: -32600 }, id: 7 });
    expect(JSON.stringify(wrongVersion.body)).toContain("jsonrpc: ");
    expect((await send(JSON.stringify({ id: 1, method: "tools/list" }))).body).toMatchObject({
      error: { code: -32600 },
      id: 1,
    });
    // Valid JSON, not a valid request: no method, params that are not an object; the field is named, the id kept.
    for (const [body, field, id] of [
      [JSON.stringify({ jsonrpc: "2.0", id: 7 }), "method", 7],
      [JSON.stringify({ jsonrpc: "2.0", id: 10, method: "tools/call", params: [1] }), "params", 10],
      [JSON.stringify({ jsonrpc: "2.0", id: "abc", method: "tools/list", params: "x" }), "params", "abc"],
    ] as const) {
      const r = await send(body);
      expect(r.status, body).toBe(400);
      expect(r.body, body).toMatchObject({ jsonrpc: "2.0", error: { code: -32600 }, id });
      expect(JSON.stringify(r.body), body).toContain(`${field}: `);
    }
    for (const body of [
      JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "tools/list" }]),
      JSON.stringify({ jsonrpc: "2.0", id: 1.5, method: "tools/list" }),
      JSON.stringify({ jsonrpc: "2.0", id: {}, method: "tools/list" }),
    ]) {
      const r = await send(body);
      expect(r.status, body).toBe(400);
      expect(r.body, body).toMatchObject({ jsonrpc: "2.0", error: { code: -32600 }, id: null });
    }
  });

  it("has no session stream: GET /mcp is 405 with Allow: POST", async () => {
    const user = await userToken();
    const r = await call("/mcp", { token: user.token, headers });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("POST");
  });
});

describe("tools are their routes", () => {
  it("advertises each tool with its route's input schema", async () => {
    const user = await userToken();
    const client = await connectMcp({ token: user.token });
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    const create = byName.get("create_index")!;
    expect(create.inputSchema.required).toEqual(
      expect.arrayContaining(["name", "constituents", "weighting", "rebalance", "base_date"]),
    );
    expect((create.inputSchema as { additionalProperties?: boolean }).additionalProperties).toBe(false);
    const order = byName.get("place_order")!;
    expect(Object.keys(order.inputSchema.properties!)).toEqual(
      expect.arrayContaining(["symbol", "side", "qty", "type", "limit_price", "time_in_force", "idempotency_key"]),
    );
    expect(order.annotations).toMatchObject({ readOnlyHint: false });
    expect(byName.get("get_quotes")!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get("get_prices")!.inputSchema.required).toEqual(["symbol"]);
    await client.close();
  });

  it("refuses a bad argument with the route's problem naming the field, and stores nothing", async () => {
    const user = await userToken();
    const client = await connectMcp({ token: user.token });
    const before = await rowCount("orders");
    const r = await tool(client, "place_order", { symbol: "AAA", side: "buy", qty: -3, type: "market" });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ status: 400, code: "validation_failed" });
    expect(r.structuredContent.errors.map((e: { path: string }) => e.path)).toEqual(["qty"]);
    const unknown = await tool(client, "create_index", { ...INDEX, colour: "red" });
    expect(unknown.structuredContent.errors[0]).toEqual({ path: "colour", message: "not allowed" });
    expect(await rowCount("orders")).toBe(before);
    await client.close();
  });

  it("holds the route's scope: a read-only key reads the portfolio but cannot place an order", async () => {
    const user = await userToken();
    const key = await createKey(user.token, { name: "reader", scopes: ["read"] });
    const client = await connectMcp({ key: key.key });
    expect((await tool(client, "get_portfolio")).isError).toBeFalsy();
    const r = await tool(client, "place_order", { symbol: "AAA", side: "buy", qty: 1, type: "market" });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ status: 403, code: "forbidden" });
    const trail = await auditOf(user.id);
    expect(trail.find((t) => t.target === "place_order")).toMatchObject({
      outcome: "failure",
      detail: { status: 403 },
    });
    expect(trail.some((t) => t.action === "order.create")).toBe(false);
    await client.close();
  });

  it("keeps owners apart: another user's index is a 404 through the tool", async () => {
    const owner = await userToken();
    const created = await call("/v1/indexes", { method: "POST", token: owner.token, json: INDEX });
    const stranger = await userToken();
    const client = await connectMcp({ token: stranger.token });
    const r = await tool(client, "get_index", { id: created.body.id });
    expect(r.structuredContent).toMatchObject({ status: 404, code: "not_found" });
    await client.close();
  });

  it("replays an order placed twice with the same idempotency_key", async () => {
    const user = await userToken();
    const client = await connectMcp({ token: user.token });
    const args = { symbol: "AAA", side: "buy", qty: 1, type: "market", idempotency_key: "agent-order-1" };
    const first = await tool(client, "place_order", args);
    const again = await tool(client, "place_order", args);
    expect(again.structuredContent).toEqual(first.structuredContent);
    const orders = await call("/v1/orders", { token: user.token });
    expect(orders.body.data).toHaveLength(1);
    await client.close();
  });

  it("draws a tool call from the caller's own bucket: the MCP message and the route each cost their tokens", async () => {
    // 6 a minute refills one token every 10 s: far slower than this test runs.
    const app = buildApp();
    const limited = { ...env, RATE_LIMIT_USER_PER_MINUTE: "6" };
    const fetch = async (request: Request) => app.fetch(request, limited, createExecutionContext());
    const wire: Wire = { responses: [] };
    const user = await userToken();
    // initialize, notifications/initialized, and the transport's try at a GET stream (405): 3 tokens.
    const client = await connectMcp({ token: user.token, fetch }, wire);
    for (let i = 0; i < 100 && !wire.responses.some((r) => r.status === 405); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(wire.responses.map((r) => r.status).sort()).toEqual([200, 202, 405]);
    // tools/call (1) + GET /v1/portfolio inside it (1): 1 left.
    expect((await tool(client, "get_portfolio")).isError).toBeFalsy();
    expect(wire.responses.at(-1)!.headers.get("ratelimit-remaining")).toBe("2");
    // The last token admits the MCP message; the route inside it finds the bucket empty.
    const r = await tool(client, "get_portfolio");
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ status: 429, code: "rate_limited" });
    expect(wire.responses.at(-1)!.headers.get("ratelimit-remaining")).toBe("0");
    await client.close().catch(() => undefined);
  });
});

describe("resources", () => {
  it("lists each index's methodology and reads it as Markdown; a stranger's is not found", async () => {
    const user = await userToken();
    const created = await call("/v1/indexes", {
      method: "POST",
      token: user.token,
      json: { ...INDEX, max_weight: 0.6 },
    });
    const id = created.body.id as string;
    const client = await connectMcp({ token: user.token });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(`edgeindex://indexes/${id}/methodology`);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("edgeindex://indexes/{id}/methodology");

    const read = await client.readResource({ uri: `edgeindex://indexes/${id}/methodology` });
    const text = (read.contents[0] as { text: string }).text;
    expect(read.contents[0]!.mimeType).toBe("text/markdown");
    expect(text).toContain("Constituents (2): AAA, BBB");
    expect(text).toContain("each weight at most 60%");
    expect(text).toContain(`Base: 1000 on ${DAYS[0]}`);

    const stranger = await connectMcp({ token: (await userToken()).token });
    await expect(stranger.readResource({ uri: `edgeindex://indexes/${id}/methodology` })).rejects.toThrow(/not found/i);
    await expect(stranger.readResource({ uri: "edgeindex://elsewhere/x" })).rejects.toThrow(/Unknown resource/);
    await client.close();
    await stranger.close();
  });
});

describe("wire", () => {
  it("answers JSON (no session id) to the SDK's Accept header", async () => {
    const wire: Wire = { responses: [] };
    const user = await userToken();
    const client = await connectMcp({ token: user.token }, wire);
    await client.listTools();
    const last = wire.responses.at(-1)!;
    expect(last.status).toBe(200);
    expect(last.headers.get("content-type")).toContain("application/json");
    expect(last.headers.get("mcp-session-id")).toBeNull();
    expect(last.headers.get("x-request-id")).toBeTruthy();
    expect(BASE).toMatch(/^http/);
    await client.close();
  });
});
