// The /v1/stream protocol as an AsyncAPI 3 document (GET /asyncapi.json): client actions from the zod schema
// that validates them, server frames as the shard writes them (test/node/asyncapi.test.ts checks real frames).
import { z } from "zod";
import { CLOSE_QUOTA } from "./stream-guard";
import { AUTH_DEADLINE_MS, CLOSE_UNAUTHORIZED, ClientMessage, ERROR_CODES } from "./stream-protocol";

type Json = Record<string, unknown>;

const seq = {
  type: "integer",
  minimum: 1,
  description: "Rises by one per symbol (or index) per tick: a jump is a gap",
};
const ts = { type: "string", format: "date-time" };

/** Server frames; `required` lists what every frame of the kind carries. */
const SERVER_FRAMES: Record<string, { summary: string; payload: Json }> = {
  status: {
    summary: "Authentication accepted",
    payload: {
      properties: { type: { const: "status" }, status: { const: "authenticated" } },
      required: ["type", "status"],
    },
  },
  subscribed: {
    summary: "The subscriptions now in force on this connection",
    payload: {
      properties: {
        type: { const: "subscribed" },
        symbols: { type: "array", items: { type: "string" } },
        indexes: { type: "array", items: { type: "string" } },
      },
      required: ["type", "symbols", "indexes"],
    },
  },
  quote: {
    summary: "A live quote of a subscribed symbol (the latest known one is sent at once on subscribe)",
    payload: {
      properties: {
        type: { const: "quote" },
        symbol: { type: "string" },
        price: { type: "number" },
        change: { type: "number", description: "Against the previous close, when known" },
        change_pct: { type: "number", description: "Percent against the previous close, when known" },
        ts,
        seq,
      },
      required: ["type", "symbol", "price", "ts", "seq"],
    },
  },
  index: {
    summary: "The live level of a subscribed custom index, from its constituents' ticks",
    payload: {
      properties: { type: { const: "index" }, id: { type: "string" }, value: { type: "number" }, ts, seq },
      required: ["type", "id", "value", "ts", "seq"],
    },
  },
  alert: {
    summary: "One of the caller's alerts fired (it fires once)",
    payload: {
      properties: {
        type: { const: "alert" },
        id: { type: "string" },
        kind: { enum: ["price", "index_level", "drawdown", "weight_drift"] },
        index_id: { type: "string", description: "The watched index (index kinds)" },
        symbol: { type: "string", description: "The priced symbol (price) or the drifting constituent (weight_drift)" },
        price: { type: "number", description: "Price alerts: the quote that crossed" },
        value: {
          type: "number",
          description: "What fired it: the quote, the index level, the drawdown (level / peak - 1) or the weight drift",
        },
        ts,
        message: { type: "string", description: "The alert in words, every number from the alert and its value" },
      },
      required: ["type", "id", "kind", "value", "ts", "message"],
    },
  },
  pong: {
    summary: "The answer to a ping",
    payload: { properties: { type: { const: "pong" } }, required: ["type"] },
  },
  error: {
    summary: `A refused message; the connection stays open unless the code is unauthorized (then close ${CLOSE_UNAUTHORIZED}) or quota_exceeded (the account's open-connection quota: close ${CLOSE_QUOTA})`,
    payload: {
      properties: {
        type: { const: "error" },
        code: {
          type: "string",
          enum: [...ERROR_CODES],
        },
        message: { type: "string" },
      },
      required: ["type", "code", "message"],
    },
  },
};

/** The client actions, each one branch of the zod discriminated union that validates them. */
function clientActions(): Record<string, Json> {
  const schema = z.toJSONSchema(ClientMessage, { io: "input", target: "draft-07" }) as {
    anyOf?: Json[];
    oneOf?: Json[];
  };
  const out: Record<string, Json> = {};
  for (const branch of schema.oneOf ?? schema.anyOf ?? []) {
    const action = ((branch.properties as Json).action as { const?: string }).const;
    if (action) out[action] = { ...branch, $schema: undefined };
  }
  return out;
}

const ACTION_SUMMARY: Record<string, string> = {
  auth: `First message: an access JWT or API key, within ${AUTH_DEADLINE_MS / 1000} s (else close ${CLOSE_UNAUTHORIZED})`,
  subscribe: "Adds symbols and indexes (refused whole past the connection's limit)",
  unsubscribe: "Removes symbols and indexes",
  ping: "Keeps the connection alive; answered with pong",
};

export function streamDocument(origin: string, version: string): Json {
  const url = new URL(origin);
  const messages: Json = {};
  const operations: Json = {};
  const schemas: Json = {};
  for (const [action, payload] of Object.entries(clientActions())) {
    const name = `${action}Action`;
    schemas[name] = JSON.parse(JSON.stringify(payload));
    messages[name] = {
      name,
      title: `${action} (client → server)`,
      summary: ACTION_SUMMARY[action] ?? action,
      payload: { $ref: `#/components/schemas/${name}` },
    };
    operations[`receive${name.charAt(0).toUpperCase()}${name.slice(1)}`] = {
      action: "receive",
      channel: { $ref: "#/channels/stream" },
      summary: ACTION_SUMMARY[action] ?? action,
      messages: [{ $ref: `#/channels/stream/messages/${name}` }],
    };
  }
  for (const [type, frame] of Object.entries(SERVER_FRAMES)) {
    const name = `${type}Frame`;
    schemas[name] = { type: "object", ...frame.payload };
    messages[name] = {
      name,
      title: `${type} (server → client)`,
      summary: frame.summary,
      payload: { $ref: `#/components/schemas/${name}` },
    };
    operations[`send${type.charAt(0).toUpperCase()}${type.slice(1)}Frame`] = {
      action: "send",
      channel: { $ref: "#/channels/stream" },
      summary: frame.summary,
      messages: [{ $ref: `#/channels/stream/messages/${name}` }],
    };
  }
  const channelMessages = Object.fromEntries(
    Object.keys(messages).map((m) => [m, { $ref: `#/components/messages/${m}` }]),
  );
  return {
    asyncapi: "3.0.0",
    info: {
      title: "edgeindex live stream",
      version,
      description:
        "Live quotes, custom-index levels and alerts over one WebSocket. Browsers cannot set headers, so the first " +
        `message authenticates; a failed or late one closes the socket with ${CLOSE_UNAUTHORIZED}. A malformed message ` +
        "gets an error frame and the connection stays. An authenticated socket past its account's open-connection " +
        `quota gets a quota_exceeded frame and close ${CLOSE_QUOTA}; a key without the read scope is refused like a bad ` +
        "token. The REST API is described in /openapi.json.",
    },
    servers: {
      edgeindex: {
        host: url.host,
        protocol: url.protocol === "https:" ? "wss" : "ws",
        description: "The Worker that serves this document",
      },
    },
    defaultContentType: "application/json",
    channels: {
      stream: {
        address: "/v1/stream",
        title: "GET /v1/stream (WebSocket upgrade)",
        servers: [{ $ref: "#/servers/edgeindex" }],
        messages: channelMessages,
      },
    },
    operations,
    components: { schemas, messages },
  };
}
