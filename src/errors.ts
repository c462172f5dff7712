// The one error type that reaches clients, rendered as RFC 9457 problem+json; everything else becomes a 500.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import type { ERROR_CODES } from "./schemas/error-codes";

export type ErrorCode = (typeof ERROR_CODES)[number];

const titles: Record<ErrorCode, string> = {
  validation_failed: "Validation failed",
  invalid_cursor: "Invalid cursor",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  quota_exceeded: "Quota exceeded",
  idempotency_conflict: "Idempotency key reused with a different request",
  payload_too_large: "Payload too large",
  unsupported_media_type: "Unsupported media type",
  rate_limited: "Too many requests",
  upstream_unavailable: "Upstream unavailable",
  internal_error: "Internal error",
};

const defaultStatus: Record<ErrorCode, ContentfulStatusCode> = {
  validation_failed: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  quota_exceeded: 409,
  idempotency_conflict: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  upstream_unavailable: 503,
  internal_error: 500,
};

export interface FieldError {
  path: string;
  message: string;
}

/** Each zod issue as a field error: its dotted path ("(root)" for the whole value) and message. */
export function zodFieldErrors(error: ZodError): FieldError[] {
  // An unknown field is named in its own entry, at its own path, so a client can point at it.
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join("."), message: "not allowed" }))
      : [{ path: issue.path.length ? issue.path.join(".") : "(root)", message: issue.message }],
  );
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options: { status?: ContentfulStatusCode; errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "ApiError";
    this.status = options.status ?? defaultStatus[code];
    this.errors = options.errors;
    this.headers = options.headers;
  }
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  /** Shorthands for the common cases, so call sites read like the contract. */
  static notFound(what: string) {
    return new ApiError("not_found", `${what} was not found`);
  }
  static validation(detail: string, errors?: FieldError[], status: ContentfulStatusCode = 400) {
    return new ApiError("validation_failed", detail, { status, errors });
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  request_id: string;
  errors?: FieldError[];
}

export function problemBody(err: ApiError, requestId: string): ProblemBody {
  return {
    type: `https://docs.edgeindex.dev/errors/${err.code}`,
    title: titles[err.code],
    status: err.status,
    code: err.code,
    detail: err.detail,
    request_id: requestId,
    ...(err.errors?.length ? { errors: err.errors } : {}),
  };
}

export function renderProblem(err: ApiError, requestId: string): Response {
  const headers = new Headers({ "content-type": "application/problem+json", ...err.headers });
  return new Response(JSON.stringify(problemBody(err, requestId)), { status: err.status, headers });
}
