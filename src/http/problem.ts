// Turns every failure (ApiError, hono HTTPException, validation, unknown throw) into problem+json.
import type { Hook } from "@hono/zod-openapi";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, renderProblem, zodFieldErrors } from "../errors";
import type { AppEnv } from "./context";

export { zodFieldErrors };

/** The validation hook for every @hono/zod-openapi route: 400 validation_failed with each field's message. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    const where = (result as { target?: string }).target ?? "request";
    throw ApiError.validation(`The ${where} is invalid`, zodFieldErrors(result.error));
  }
};

const requestIdOf = (c: Context<AppEnv>) => c.get("requestId") ?? "unknown";

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) return renderProblem(err, requestIdOf(c));
  if (err instanceof HTTPException) {
    const mapped =
      err.status === 400
        ? ApiError.validation(err.message.includes("JSON") ? "Malformed JSON in request body" : "Bad request")
        : err.status === 413
          ? new ApiError("payload_too_large", "The request body is too large")
          : err.status === 401
            ? new ApiError("unauthorized", "Authentication required")
            : new ApiError("internal_error", "The server could not complete the request");
    return renderProblem(mapped, requestIdOf(c));
  }
  // Unknown failure: log everything for us, tell the client nothing internal.
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled error",
      request_id: requestIdOf(c),
      path: c.req.path,
      // Driver errors can embed whole SQL texts with parameters: keep the log line bounded.
      error:
        err instanceof Error
          ? { name: err.name, message: err.message.slice(0, 2000), stack: err.stack?.slice(0, 4000) }
          : String(err).slice(0, 2000),
    }),
  );
  return renderProblem(new ApiError("internal_error", "The server could not complete the request"), requestIdOf(c));
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  renderProblem(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`), requestIdOf(c));
