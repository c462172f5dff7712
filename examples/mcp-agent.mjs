// An agent's first steps over MCP, with the official SDK: list tools, search, build an index, read it, trade.
// Usage (with `npm run dev` running): node examples/mcp-agent.mjs [base-url]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const base = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
const login = await fetch(`${base}/v1/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }),
});
if (!login.ok) throw new Error(`login answered ${login.status}: ${await login.text()}`);
const { access_token } = await login.json();

const client = new Client({ name: "edgeindex-example-agent", version: "1.0.0" });
await client.connect(
  new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${access_token}` } },
  }),
);

const call = async (name, args = {}) => {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name}: ${r.content[0].text}`);
  return r.structuredContent;
};

const { tools } = await client.listTools();
console.log("tools:", tools.map((t) => t.name).join(", "));
const assets = await call("search_assets", { search: "Tech", limit: 5 });
console.log("found:", assets.data.map((a) => a.symbol).join(", "));
const symbols = assets.data.slice(0, 4).map((a) => a.symbol);
let index = await call("create_index", {
  name: "Agent picks",
  constituents: symbols,
  weighting: "equal",
  max_weight: 0.4,
  rebalance: "monthly",
  base_date: "2024-01-02",
  benchmark: "SPY",
});
for (let i = 0; i < 60 && index.status === "building"; i++) {
  await new Promise((r) => setTimeout(r, 500));
  index = await call("get_index", { id: index.id });
}
console.log("index:", index.id, index.status);
const metrics = await call("get_index_metrics", { id: index.id, window: "1y" });
console.log("1y return:", metrics.total_return, "volatility:", metrics.volatility);
if (tools.some((t) => t.name === "get_index_insights")) {
  const insights = await call("get_index_insights", { id: index.id });
  for (const item of insights.items.slice(0, 3)) console.log("-", item.text);
}
const order = await call("place_order", { symbol: symbols[0], side: "buy", qty: 1, type: "market" });
console.log("order:", order.id, order.status, order.avg_fill_price);
await client.close();
