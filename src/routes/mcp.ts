// POST /mcp: the Model Context Protocol endpoint (Streamable HTTP, stateless, JSON answers), authenticated like /v1.
import { createRoute, z } from "@hono/zod-openapi";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { App } from "../http/context";
import { jsonRpcRefusals } from "../mcp/rpc-refusals";
import { buildMcpServer } from "../mcp/server";
import { bodyErrorResponses, jsonBody, security } from "../schemas/route-parts";

const JsonRpcMessage = z
  .looseObject({
    jsonrpc: z.literal("2.0"),
    method: z.string().min(1).max(128).optional(),
    id: z.union([z.string().max(256), z.number().int()]).optional(),
    // MCP's params are always an object (JSON-RPC allows an array; no MCP method takes one).
    params: z.looseObject({}).optional(),
  })
  .superRefine((m, ctx) => {
    // A request or notification names its method; only a response (to a server request) carries result or error.
    if (m.method === undefined && !("result" in m) && !("error" in m))
      ctx.addIssue({ code: "custom", path: ["method"], message: "a request or notification needs a method" });
  })
  .openapi("JsonRpcMessage");

const JsonRpcError = z
  .object({
    jsonrpc: z.literal("2.0"),
    error: z.object({ code: z.number().int(), message: z.string() }),
    id: z.union([z.string(), z.number().int(), z.null()]),
  })
  .openapi("JsonRpcError");

const post = createRoute({
  method: "post",
  path: "/mcp",
  "x-rate-limit-cost": 1,
  tags: ["agents"],
  summary:
    "Model Context Protocol (Streamable HTTP): tools over the REST routes (same scopes, limits and audit), index resources",
  description:
    "Send JSON-RPC messages (`initialize`, `tools/list`, `tools/call`, `resources/list`, `resources/read`) with " +
    "`Accept: application/json, text/event-stream`. Stateless: no `Mcp-Session-Id`; every answer is JSON.",
  security,
  middleware: [jsonRpcRefusals()] as const,
  // One message per POST: protocol 2025-06-18 dropped JSON-RPC batches, and one message lets a refusal name its field.
  request: jsonBody(JsonRpcMessage),
  responses: {
    200: {
      description: "JSON-RPC response(s)",
      content: { "application/json": { schema: z.looseObject({ jsonrpc: z.literal("2.0") }) } },
    },
    202: { description: "Accepted (the request held only notifications)" },
    406: { description: "Accept does not allow application/json and text/event-stream" },
    ...bodyErrorResponses,
    400: {
      description:
        "Not JSON (JSON-RPC error -32700) or not one JSON-RPC 2.0 message (-32600): a JSON-RPC error object, `id` null when the message has none",
      content: { "application/json": { schema: JsonRpcError } },
    },
  },
});

export function registerMcpRoutes(app: App) {
  app.openapi(post, async (c) => {
    const parsedBody = c.req.valid("json");
    const server = buildMcpServer(app, c);
    // Stateless: a Worker isolate keeps nothing between requests, so each request gets its own server.
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw, { parsedBody });
    } finally {
      await server.close();
    }
  });
}
