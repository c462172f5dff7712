// Typed RFC 9457 problems: every refusal of the API arrives as a ProblemError carrying the body's fields.
import type { components } from "./schema.js";

export type Problem = components["schemas"]["Problem"];
export type ProblemCode = Problem["code"];

export class ProblemError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
  readonly requestId: string;
  /** Field-level reasons (`path` names the field), for validation failures. */
  readonly errors: NonNullable<Problem["errors"]>;
  constructor(
    readonly problem: Problem,
    readonly response?: Response,
  ) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = "ProblemError";
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.requestId = problem.request_id;
    this.errors = problem.errors ?? [];
  }
}

function isProblem(x: unknown): x is Problem {
  return typeof x === "object" && x !== null && "code" in x && "status" in x && "detail" in x;
}

/** The problem a failed answer carries, or one made up from the status when the body is not a problem. */
export function toProblemError(error: unknown, response: Response): ProblemError {
  if (isProblem(error)) return new ProblemError(error, response);
  return new ProblemError(
    {
      type: "about:blank",
      title: response.statusText || "Error",
      status: response.status,
      code: response.status >= 500 ? "internal_error" : "validation_failed",
      detail: typeof error === "string" && error ? error : `HTTP ${response.status}`,
      request_id: response.headers.get("x-request-id") ?? "",
    },
    response,
  );
}
