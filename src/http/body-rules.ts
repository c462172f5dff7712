// Body guards for write routes: JSON only (415) and a size limit (413), checked before any handler reads.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors";
import type { AppEnv } from "./context";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A body route accepts application/json (or +json); a bodiless request is let through. */
export function requireJson(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (BODY_METHODS.has(c.req.method)) {
      const length = c.req.header("content-length");
      // A stream body with neither header (in-process callers, some proxies) is a body all the same (the fuzz found
      // a form-encoded login reaching its handler unvalidated that way).
      const hasBody =
        (length !== undefined && length !== "0") ||
        c.req.header("transfer-encoding") !== undefined ||
        (length === undefined && c.req.raw.body !== null);
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (hasBody && !(type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type))) {
        throw new ApiError("unsupported_media_type", "Request bodies must be application/json");
      }
    }
    await next();
  };
}

/** hono's body limit, built once per configured size (not per request). */
const limits = new Map<number, MiddlewareHandler<AppEnv>>();
function limitFor(maxSize: number): MiddlewareHandler<AppEnv> {
  let limit = limits.get(maxSize);
  if (!limit) {
    limit = bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError("payload_too_large", `Request bodies are limited to ${maxSize} bytes`);
      },
    });
    limits.set(maxSize, limit);
  }
  return limit;
}

/** The size limit (413), then JSON only (415); a request with no body and no body method goes straight on. */
export function bodyRules(): MiddlewareHandler<AppEnv> {
  const json = requireJson();
  return (c, next) => {
    if (!BODY_METHODS.has(c.req.method) && c.req.raw.body === null) return next();
    return limitFor(c.get("config").BODY_LIMIT_BYTES)(c, async () => {
      await json(c, next);
    });
  };
}
