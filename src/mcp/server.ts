// The Model Context Protocol server for one /mcp request: tools that call the REST routes, index resources.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import type { Context } from "hono";
import { type MethodologyInput, methodologyMarkdown } from "../domain/methodology-text";
import type { App, AppEnv } from "../http/context";
import { audit } from "../services/audit";
import { callRoute, type RouteAnswer, requestFor } from "./route-call";
import { hasOperation, type RouteShape, routeShapes, TOOLS } from "./tool-catalogue";

const INSTRUCTIONS =
  "edgeindex: market data, custom rules-based indexes, risk analytics, backtests and paper trading. " +
  "Typical flow: search_assets → create_index → get_index until status is ready → get_index_metrics / " +
  "get_index_insights → run_simulation or place_order. Index builds and simulations run in the background. " +
  "Dates are YYYY-MM-DD; symbols are upper-case tickers; errors come back as RFC 9457 problems naming the field.";

/** `edgeindex://indexes/{id}/{kind}`: an index's methodology (Markdown) or its latest report (HTML). */
const RESOURCE_URI = /^edgeindex:\/\/indexes\/([A-Za-z0-9_-]{1,64})\/(methodology|report)$/;
const RESOURCE_KINDS = {
  methodology: { mimeType: "text/markdown", title: "methodology" },
  report: { mimeType: "text/html", title: "report" },
} as const;
type ResourceKind = keyof typeof RESOURCE_KINDS;
const RESOURCE_ROUTES: Record<ResourceKind, string> = {
  methodology: "GET /v1/indexes/{id}",
  report: "GET /v1/indexes/{id}/report",
};

/** Both depend only on the registered routes, which never change after the app is built. */
let catalogueOf: { app: App; shapes: Map<string, RouteShape>; kinds: ResourceKind[] } | undefined;
function catalogue(app: App) {
  if (catalogueOf?.app !== app) {
    const kinds = (Object.keys(RESOURCE_KINDS) as ResourceKind[]).filter((k) => hasOperation(app, RESOURCE_ROUTES[k]));
    catalogueOf = { app, shapes: routeShapes(app), kinds };
  }
  return catalogueOf;
}
const shapes = (app: App) => catalogue(app).shapes;

function toolResult(answer: RouteAnswer): CallToolResult {
  const ok = answer.status < 400;
  const body = answer.body;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const structured = body !== null && typeof body === "object" && !Array.isArray(body) ? body : undefined;
  return {
    content: [{ type: "text", text: ok ? text : `HTTP ${answer.status}: ${text}` }],
    ...(structured ? { structuredContent: structured as Record<string, unknown> } : {}),
    ...(ok ? {} : { isError: true }),
    _meta: { "edgeindex/status": answer.status },
  };
}

/** Whether a route's refusal is the caller's business (a tool error) rather than a protocol failure. */
function failIfUnreadable(answer: RouteAnswer, uri: string): void {
  if (answer.status === 404) throw new McpError(ErrorCode.InvalidParams, `Resource not found: ${uri}`);
  if (answer.status >= 400) {
    const detail = (answer.body as { detail?: string } | null)?.detail ?? `HTTP ${answer.status}`;
    throw new McpError(ErrorCode.InvalidRequest, detail, answer.body);
  }
}

export function buildMcpServer(app: App, c: Context<AppEnv>): Server {
  const server = new Server(
    { name: "edgeindex", title: "edgeindex", version: c.get("config").APP_VERSION },
    {
      capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
      instructions: INSTRUCTIONS,
      // ajv compiles validators with `new Function`, which workerd forbids; this one interprets schemas.
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const available = shapes(app);
    await audit(c, { action: "mcp.tools_listed", outcome: "success", detail: { tools: available.size } });
    return {
      tools: TOOLS.filter((t) => available.has(t.name)).map((t) => {
        const shape = available.get(t.name)!;
        return {
          name: t.name,
          title: t.title,
          description: `${t.description} (calls ${t.operation})`,
          inputSchema: shape.inputSchema,
          annotations: shape.annotations,
        };
      }),
    };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args = {} } = request.params;
    const shape = shapes(app).get(name);
    if (!shape) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const answer = await callRoute(app, c, requestFor(shape, args));
    await audit(c, {
      action: "mcp.tool_called",
      target: name,
      outcome: answer.status < 400 ? "success" : "failure",
      detail: { operation: `${shape.method} ${shape.path}`, status: answer.status },
    });
    return toolResult(answer);
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: catalogue(app).kinds.map((kind) => ({
      uriTemplate: `edgeindex://indexes/{id}/${kind}`,
      name: `index-${kind}`,
      title: `An index's ${RESOURCE_KINDS[kind].title}`,
      mimeType: RESOURCE_KINDS[kind].mimeType,
    })),
  }));

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const answer = await callRoute(app, c, { method: "GET", path: "/v1/indexes?limit=100" });
    if (answer.status >= 400) return { resources: [] };
    const list = (answer.body as { data: Array<{ id: string; name: string }> }).data;
    return {
      resources: list.flatMap((index) =>
        catalogue(app).kinds.map((kind) => ({
          uri: `edgeindex://indexes/${index.id}/${kind}`,
          name: `${index.name} — ${RESOURCE_KINDS[kind].title}`,
          mimeType: RESOURCE_KINDS[kind].mimeType,
        })),
      ),
    };
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const { uri } = request.params;
    const match = RESOURCE_URI.exec(uri);
    const [, id, kind] = (match ?? []) as [string?, string?, ResourceKind?];
    if (!id || !kind || !catalogue(app).kinds.includes(kind))
      throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri}`);
    const path = RESOURCE_ROUTES[kind].split(" ")[1]!.replace("{id}", id);
    const answer = await callRoute(app, c, { method: "GET", path });
    await audit(c, {
      action: "mcp.resource_read",
      target: uri,
      outcome: answer.status < 400 ? "success" : "failure",
      detail: { status: answer.status },
    });
    failIfUnreadable(answer, uri);
    const text =
      kind === "methodology" ? methodologyMarkdown(answer.body as MethodologyInput) : String(answer.body as string);
    return { contents: [{ uri, mimeType: RESOURCE_KINDS[kind].mimeType, text }] };
  });

  return server;
}
