// GET /v1/stream: the WebSocket upgrade, handed to a PriceHub shard (authentication is the first message, see docs/LIVE.md).
import { createRoute } from "@hono/zod-openapi";
import { SHARD_HEADER } from "../durable/price-hub";
import { streamDocument } from "../durable/stream-document";
import { ApiError } from "../errors";
import type { App } from "../http/context";
import { problemResponse } from "../schemas/route-parts";
import { pickShard } from "../services/live";

const stream = createRoute({
  method: "get",
  path: "/v1/stream",
  "x-rate-limit-cost": 1,
  tags: ["live"],
  summary: "Live quotes, index levels and alerts over a WebSocket",
  description:
    'Upgrade to a WebSocket, then send `{"action":"auth","token":"<access JWT or API key>"}` within 10 s (else close 4001). ' +
    'Then `{"action":"subscribe","symbols":[...],"indexes":[...]}`; frames: `quote`, `index`, `alert`, `subscribed`, `status`, `pong`, `error`.',
  responses: {
    101: { description: "Switching to the WebSocket protocol" },
    400: problemResponse("Not a WebSocket upgrade request (`validation_failed`, naming the Upgrade header)"),
  },
});

export function registerStreamRoutes(app: App) {
  // The stream's messages, as the AsyncAPI 3 document; the OpenAPI document describes only the upgrade.
  app.get("/asyncapi.json", (c) => c.json(streamDocument(new URL(c.req.url).origin, c.get("config").APP_VERSION)));
  app.openapi(stream, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      // A request the contract's codes name (API.md lists no 426): a header the request lacks, as any other field.
      throw new ApiError("validation_failed", "GET /v1/stream expects a WebSocket upgrade (Upgrade: websocket)", {
        errors: [{ path: "Upgrade", message: "must be websocket" }],
        headers: { Upgrade: "websocket" },
      });
    }
    const shard = pickShard(c.get("config"));
    const headers = new Headers(c.req.raw.headers);
    headers.set(SHARD_HEADER, shard);
    const upstream = await c.env.PRICE_HUB.getByName(shard).fetch(new Request(c.req.url, { headers }));
    if (!upstream.webSocket) return upstream;
    // A fresh response: the one from the shard has immutable headers, and the middleware stamps request id and security headers.
    return new Response(null, { status: 101, webSocket: upstream.webSocket });
  });
}
