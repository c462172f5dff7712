// The MCP tools: each one is a REST operation, named for an agent, with its input schema read from that route.
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { App } from "../http/context";

type AnySchema = z.core.$ZodType;
type JsonSchema = Record<string, unknown>;

export interface ToolSpec {
  name: string;
  title: string;
  /** The route this tool calls, as `METHOD /path/{param}` in the OpenAPI document. */
  operation: `${"GET" | "POST" | "PATCH" | "DELETE"} /${string}`;
  description: string;
  /** Routes that take `Idempotency-Key` get an `idempotency_key` argument, sent as that header. */
  idempotent?: boolean;
}

/**
 * API.md v1.1 "For agents and tools". A tool whose route is not registered (yet) is left out of the list,
 * so the catalogue never offers a call that can only answer 404.
 */
export const TOOLS: ToolSpec[] = [
  {
    name: "search_assets",
    title: "Search assets",
    operation: "GET /v1/assets",
    description:
      "Find tradable assets by symbol prefix or name substring (`search`), asset class or exchange. Returns a page of { symbol, name, exchange, asset_class, currency, sector, market_cap }.",
  },
  {
    name: "get_prices",
    title: "Daily prices",
    operation: "GET /v1/assets/{symbol}/prices",
    description:
      "Daily bars { date, open, high, low, close, adj_close, volume } of one symbol between `start` and `end` (YYYY-MM-DD); `as_of` answers with the values known at that instant.",
  },
  {
    name: "get_quotes",
    title: "Latest quotes",
    operation: "GET /v1/quotes",
    description:
      "Latest quote per symbol { symbol, price, change, change_pct, ts, source }; `symbols` is a comma-separated list of up to 100 tickers; unknown ones are listed under `missing`.",
  },
  {
    name: "create_index",
    title: "Create a custom index",
    operation: "POST /v1/indexes",
    description:
      "Create a rules-based index (constituents, weighting, caps, rebalance, base date and value, benchmark). Answers status `building`; the build runs in the background: poll get_index until status is `ready` (or `failed` with a reason).",
  },
  {
    name: "preview_index",
    title: "Preview index weights",
    operation: "POST /v1/indexes/preview",
    description:
      "The weights an index definition would set on a date (before and after caps, which caps bind), storing nothing.",
  },
  {
    name: "get_index",
    title: "Read an index",
    operation: "GET /v1/indexes/{id}",
    description: "One of your indexes with its definition and build status (`building`, `ready`, `failed`).",
  },
  {
    name: "list_indexes",
    title: "List your indexes",
    operation: "GET /v1/indexes",
    description: "Your indexes, newest first.",
  },
  {
    name: "get_index_metrics",
    title: "Index metrics",
    operation: "GET /v1/indexes/{id}/metrics",
    description:
      "Risk and return metrics of a ready index over `window` (1y, 3y, 5y, ytd, all): total return, CAGR, volatility, Sharpe, Sortino, max drawdown, VaR, CVaR, and beta, alpha, tracking error against its benchmark.",
  },
  {
    name: "get_index_risk",
    title: "Index risk",
    operation: "GET /v1/indexes/{id}/risk",
    description:
      "Volatility forecasts (EWMA, GARCH), each constituent's risk contribution, and the factor view (market beta, sector exposures, principal components) of a ready index.",
  },
  {
    name: "get_index_insights",
    title: "Index insights",
    operation: "GET /v1/indexes/{id}/insights",
    description:
      "Plain sentences about a ready index computed from its numbers, ranked by importance; every number quoted in a sentence is given in its `figures`.",
  },
  {
    name: "run_simulation",
    title: "Run a backtest",
    operation: "POST /v1/simulations",
    description:
      "Backtest an index definition (`index`) or one of your indexes (`index_id`) from `start` to `end` with `initial_capital`, fees and slippage (`slippage_model` bps or volume_participation), `dividends` (cash, reinvest, ignore) and dated `contributions`. Answers `queued`; poll get_simulation (twr, mwr, cash_flows).",
    idempotent: true,
  },
  {
    name: "get_simulation",
    title: "Read a backtest",
    operation: "GET /v1/simulations/{id}",
    description: "A simulation's status and, once succeeded, its equity curve, trades and metrics.",
  },
  {
    name: "place_order",
    title: "Place a paper order",
    operation: "POST /v1/orders",
    description:
      "Place a paper-trading order { symbol, side: buy|sell, qty, type: market|limit, limit_price?, time_in_force? }. Market orders fill at once at the latest quote. No real money moves.",
    idempotent: true,
  },
  {
    name: "get_portfolio",
    title: "Paper portfolio",
    operation: "GET /v1/portfolio",
    description: "Your paper account marked to market: cash, equity, positions with unrealized P&L, realized P&L.",
  },
];

export interface RouteShape {
  method: string;
  /** OpenAPI form, `/v1/indexes/{id}` */
  path: string;
  pathParams: string[];
  inputSchema: JsonSchema & { type: "object" };
  annotations: ToolAnnotations;
}

interface RouteRequest {
  params?: AnySchema;
  query?: AnySchema;
  body?: { content?: Record<string, { schema?: unknown }> };
}

/** The schema the agent fills in: what the route validates, as JSON Schema of its input side. */
function jsonSchemaOf(schema: AnySchema | undefined): JsonSchema | undefined {
  if (!schema || !("_zod" in (schema as object))) return undefined;
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function mergeObjects(parts: Array<JsonSchema | undefined>): JsonSchema & { type: "object" } {
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  for (const part of parts) {
    if (!part) continue;
    Object.assign(properties, part.properties as Record<string, unknown> | undefined);
    for (const name of (part.required as string[] | undefined) ?? []) required.add(name);
  }
  // `fields` trims REST answers for bandwidth; an agent wants the whole object.
  delete properties.fields;
  required.delete("fields");
  return { type: "object", properties, required: [...required], additionalProperties: false };
}

/** Whether the app registered an operation (`GET /v1/indexes/{id}/report`). */
export function hasOperation(app: App, operation: string): boolean {
  return app.openAPIRegistry.definitions.some(
    (d) => d.type === "route" && `${d.route.method.toUpperCase()} ${d.route.path}` === operation,
  );
}

/** Reads each catalogued route's method, path and request schemas from the app's OpenAPI registry. */
export function routeShapes(app: App): Map<string, RouteShape> {
  const byOperation = new Map<string, RouteRequest>();
  for (const d of app.openAPIRegistry.definitions) {
    if (d.type !== "route") continue;
    byOperation.set(`${d.route.method.toUpperCase()} ${d.route.path}`, (d.route.request ?? {}) as RouteRequest);
  }
  const shapes = new Map<string, RouteShape>();
  for (const tool of TOOLS) {
    const request = byOperation.get(tool.operation);
    if (!request) continue;
    const [method, path] = tool.operation.split(" ") as [string, string];
    const body = request.body?.content?.["application/json"]?.schema as AnySchema | undefined;
    const parts = [jsonSchemaOf(request.params), jsonSchemaOf(request.query), jsonSchemaOf(body)];
    if (tool.idempotent)
      parts.push({
        properties: {
          idempotency_key: {
            type: "string",
            minLength: 1,
            maxLength: 255,
            description: "Sent as Idempotency-Key: the same key with the same arguments replays the first answer",
          },
        },
      });
    const readOnly = method === "GET";
    shapes.set(tool.name, {
      method,
      path,
      pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      inputSchema: mergeObjects(parts),
      annotations: {
        title: tool.title,
        readOnlyHint: readOnly,
        destructiveHint: false,
        idempotentHint: readOnly,
        openWorldHint: false,
      },
    });
  }
  return shapes;
}
