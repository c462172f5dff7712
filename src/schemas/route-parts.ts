// The pieces every route contract shares: the problem body, the error responses routes spread, list envelopes,
// query parameters, date and ticker patterns, security.
import { z } from "@hono/zod-openapi";
import { ERROR_CODES } from "./error-codes";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(ERROR_CODES).openapi({ description: "Machine-readable reason; one value per rule" }),
    detail: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Problem } },
});

/** Error responses shared by every authenticated route; spread into `responses`. */
export const errorResponses = {
  400: problem("Validation failed or invalid cursor"),
  401: problem("Missing or invalid credentials"),
  403: problem("Authenticated but not allowed"),
  404: problem("Not found (also for another user's resource)"),
  429: problem("Rate limited; see Retry-After"),
  500: problem("Internal error"),
} as const;

export const bodyErrorResponses = {
  ...errorResponses,
  413: problem("Body too large"),
  415: problem("Body is not JSON"),
  422: problem("Semantically invalid"),
} as const;

export const problemResponse = problem;

export const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKey: [] }];

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/** `?fields=` is accepted on every GET; the caching middleware applies it. */
export const fieldsParam = z.string().max(512).optional().openapi({ description: "Comma-separated fields to keep" });

export const limitParam = (max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(Math.min(100, max))
    .openapi({ description: `Page size (1-${max}, default ${Math.min(100, max)})` });

/** `?format=csv` on the time-series lists (same as `Accept: text/csv`); JSON otherwise. */
export const formatParam = z
  .enum(["json", "csv"])
  .optional()
  .openapi({ description: "`csv` answers text/csv (as `Accept: text/csv` does); JSON by default" });

// The shape is stated (signed payload . 16-byte MAC, base64url); the server checks it as part of the signature, so a
// malformed cursor answers 400 invalid_cursor like a tampered one, not validation_failed.
export const cursorParam = z.string().max(1024).optional().openapi({
  description: "Opaque cursor from next_cursor, valid only for the query that returned it (else 400 invalid_cursor)",
  pattern: "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$",
});

/**
 * The document states the same rules the server checks: a date's shape and its 1900–2100 range as a pattern (with
 * `format: date` for the calendar), and comma-separated ticker lists as patterns with their sizes.
 */
export const DATE_PATTERN = "^(?:19\\d{2}|20\\d{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])$";
export const TICKER_PATTERN = "[A-Za-z0-9.^=-]{1,20}";
/** `item` repeated `min`..`max` times, comma-separated, nothing else. */
export const commaListPattern = (item: string, min: number, max: number) =>
  `^${item}(?:,${item}){${min - 1},${max - 1}}$`;

/**
 * A JSON Schema that says these properties are present (for if/then rules across fields); each is also listed
 * under `properties`, as linters expect of a `required`.
 */
export const present = (...names: string[]) => ({
  required: names,
  properties: Object.fromEntries(names.map((n) => [n, {}])),
});

/** A JSON Schema `if`/`then`/`else` rule, for the document only (the refinements beside it enforce the rule). */
export const ifThen = (condition: object, consequence: object, otherwise?: object): Record<string, object> =>
  Object.fromEntries([
    ["if", condition],
    // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword in a plain document object, never awaited
    ["then", consequence],
    ...(otherwise ? [["else", otherwise]] : []),
  ]);

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a YYYY-MM-DD date")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s) && s >= "1900-01-01" && s <= "2100-12-31";
  }, "must be a real calendar date between 1900-01-01 and 2100-12-31")
  .openapi({ example: "2024-01-02", format: "date", pattern: DATE_PATTERN });

/** The refinement every date-range query and body shares: a given start must not be after a given end. */
export const startNotAfterEnd = (): [
  (q: { start?: string; end?: string }) => boolean,
  { message: string; path: string[] },
] => [(q) => !q.start || !q.end || q.start <= q.end, { message: "start must not be after end", path: ["start"] }];

/** The optional Idempotency-Key header of the POSTs that replay. */
export const idempotencyKeyHeader = z.object({ "idempotency-key": z.string().min(1).max(255).optional() });

export const instant = z.iso.datetime({ offset: true }).openapi({ example: "2024-01-02T21:00:00Z" });

/** The optional `start`/`end` days of a date-range query (checked with `startNotAfterEnd` where a range is read). */
export const dateRange = { start: isoDate.optional(), end: isoDate.optional() };

export const symbolParam = z
  .string()
  .min(1)
  .max(20)
  .regex(/^[A-Za-z0-9.^=-]{1,20}$/, "must be a ticker symbol")
  .transform((s) => s.toUpperCase())
  .openapi({ example: "AAPL" });
