// Time-series lists as text/csv (RFC 4180) for `Accept: text/csv` or `?format=csv`, rendered from the JSON answer.
import type { Context, MiddlewareHandler } from "hono";
import { accepts } from "hono/accepts";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "./context";

/** Where a route's rows are, the columns in order, and envelope fields repeated on every row. */
interface CsvShape {
  rows: string;
  columns: string[];
  carry?: string[];
}

/** The time-series routes (hono path syntax); each declares `format` in its query schema. */
export const CSV_ROUTES: Record<string, CsvShape> = {
  "/v1/assets/:symbol/prices": {
    rows: "data",
    columns: ["date", "open", "high", "low", "close", "adj_close", "volume"],
  },
  "/v1/indexes/:id/values": { rows: "data", columns: ["date", "value", "daily_return"] },
  "/v1/indexes/:id/allocations": {
    rows: "weights",
    carry: ["date", "rebalance_date", "version"],
    columns: ["symbol", "weight", "shares"],
  },
  "/v1/simulations/:id": { rows: "equity_curve", columns: ["date", "value"] },
};

type Accepted = { type: string; q: number };

/**
 * The weight an Accept list gives `type` (RFC 9110 §12.5.1): the q of the most specific range that matches it
 * (`text/csv`, then `text/*`, then any type), 0 when none does.
 */
function weightOf(list: Accepted[], type: string): number {
  const main = `${type.split("/")[0]}/*`;
  for (const range of [type, main, "*/*"]) {
    const hits = list.filter((a) => a.type.toLowerCase() === range);
    if (hits.length) return Math.max(...hits.map((a) => a.q));
  }
  return 0;
}

/**
 * `?format=csv` wins; otherwise content negotiation on Accept (hono's parser, q-values honoured): CSV when the
 * client weighs text/csv above application/json; JSON on a tie, for any-type-only and without an Accept.
 */
export function wantsCsv(c: Context): boolean {
  const format = c.req.query("format");
  if (format !== undefined) return format === "csv";
  return (
    accepts(c, {
      header: "Accept",
      supports: ["application/json", "text/csv"],
      default: "application/json",
      match: (list) =>
        weightOf(list, "text/csv") > weightOf(list, "application/json") ? "text/csv" : "application/json",
    }) === "text/csv"
  );
}

/** A cell: empty for null, quoted when it holds a separator, quote or line break; formula starts defused. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let s = typeof value === "string" ? value : JSON.stringify(value);
  // A spreadsheet would run a cell that starts like a formula (OWASP "CSV injection").
  if (/^[=+@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(body: Record<string, unknown>, shape: CsvShape, only?: string[]): string {
  const rows = Array.isArray(body[shape.rows]) ? (body[shape.rows] as Record<string, unknown>[]) : [];
  const carried = (shape.carry ?? []).filter((k) => k in body);
  const columns = [...shape.columns];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  // With ?fields= the rows were trimmed already; the header names only what they kept.
  const kept = only ? columns.filter((k) => only.includes(k)) : columns;
  const header = [...carried, ...kept];
  const lines = [header.map(csvCell).join(",")];
  for (const row of rows)
    lines.push([...carried.map((k) => body[k]), ...kept.map((k) => row[k])].map(csvCell).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** Runs outside `?fields=` trimming, so a CSV answer holds the same fields the JSON one would. */
export function csvTimeSeries(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method !== "GET") return;
    const shape = matchedRoutes(c)
      .map((r) => CSV_ROUTES[r.path])
      .find(Boolean);
    if (!shape) return;
    c.res.headers.append("Vary", "Accept");
    if (c.res.status !== 200 || !wantsCsv(c)) return;
    if (!(c.res.headers.get("content-type") ?? "").startsWith("application/json")) return;
    const body = (await c.res.json()) as Record<string, unknown>;
    const fields = c.req.query("fields");
    const only = fields
      ?.split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    const headers = new Headers(c.res.headers);
    headers.set("content-type", "text/csv; charset=utf-8");
    headers.delete("content-length");
    c.res = new Response(toCsv(body, shape, only), { status: 200, headers });
  };
}
