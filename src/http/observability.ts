// Request id (client's if sane, else generated) and one structured JSON log line per request.
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "./context";

/** A client id is echoed when it is 1–128 characters of letters, digits and `._:-` (short ones like `abc-123` too). */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const id = incoming && SANE_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    const started = performance.now();
    try {
      await next();
    } finally {
      c.res.headers.set("X-Request-Id", id);
      const cfg = c.get("config");
      if (cfg?.LOG_LEVEL !== "silent" && !(cfg?.ENVIRONMENT === "test" && cfg.LOG_LEVEL !== "debug")) {
        const p = c.get("principal");
        console.log(
          JSON.stringify({
            level: c.res.status >= 500 ? "error" : "info",
            msg: "request",
            request_id: id,
            method: c.req.method,
            route: safeRoutePath(c),
            path: c.req.path,
            status: c.res.status,
            duration_ms: Math.round((performance.now() - started) * 100) / 100,
            user_id: p?.userId ?? null,
            key_id: p?.keyId ?? null,
            cache: c.get("cache") ?? null,
          }),
        );
      }
    }
  };
}

function safeRoutePath(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  try {
    return routePath(c, -1);
  } catch {
    return c.req.path;
  }
}
