// A JSON-RPC client of POST /mcp is told what is wrong with its message in JSON-RPC's own terms (HTTP 400 with an
// `error` object, as the MCP SDK's transport answers), not in problem+json: -32700 when the body is not JSON,
// -32600 when it is not one JSON-RPC 2.0 request or notification. Other refusals (401, 413, 415, 429) stay HTTP's.
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../errors";
import type { AppEnv } from "../http/context";

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

/** The message's own id when it has a valid one (string or integer), else null as JSON-RPC asks. */
function idOf(text: string): string | number | null {
  try {
    const id = (JSON.parse(text) as { id?: unknown })?.id;
    return typeof id === "string" || (typeof id === "number" && Number.isInteger(id)) ? id : null;
  } catch {
    return null;
  }
}

/** Route middleware for /mcp (it runs before the body validators, so it sees what they refused). */
export function jsonRpcRefusals(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const err = c.error;
    const parse = err instanceof HTTPException && err.status === 400;
    const invalid = err instanceof ApiError && err.code === "validation_failed" && err.status === 400;
    if (!parse && !invalid) return;
    const fields = invalid ? (err.errors ?? []).map((e) => `${e.path || "(message)"}: ${e.message}`).join("; ") : "";
    const body = {
      jsonrpc: "2.0",
      error: parse
        ? { code: PARSE_ERROR, message: "Parse error: the body is not JSON" }
        : { code: INVALID_REQUEST, message: `Invalid Request${fields ? `: ${fields}` : ""}` },
      id: parse ? null : idOf(await c.req.text().catch(() => "")),
    };
    c.res = new Response(JSON.stringify(body), { status: 400, headers: { "content-type": "application/json" } });
  };
}
