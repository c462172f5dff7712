// Keyset pages with signed cursors bound to the route, its filters and the caller.
import type { Context } from "hono";
import type { NewestFirst } from "../db/keyset";
import { ApiError } from "../errors";
import type { AppEnv } from "./context";
import { decodeCursor, encodeCursor } from "./cursor";

/** The scope a cursor is valid for: route + every filter except cursor/limit/fields + the caller. */
export function cursorScope(c: Context<AppEnv>, filters: Record<string, unknown>): string {
  const stable = Object.entries(filters)
    .filter(([k, v]) => v !== undefined && k !== "cursor" && k !== "limit" && k !== "fields")
    .sort(([a], [b]) => a.localeCompare(b));
  return `${c.req.routePath}|${c.get("principal")?.userId ?? "anon"}|${JSON.stringify(stable)}`;
}

export async function readCursor<T>(
  c: Context<AppEnv>,
  scope: string,
  cursor: string | undefined,
): Promise<T | undefined> {
  if (cursor === undefined) return undefined;
  return decodeCursor<T>(c.get("config").JWT_SECRET, scope, cursor);
}

/**
 * Rows were fetched with limit + 1: the extra one only says whether another page exists. When it does, the
 * answer also carries `Link: <same URL with the next cursor>; rel="next"` (CSV answers have no body field for it).
 */
export async function toPage<R, K>(
  c: Context<AppEnv>,
  scope: string,
  rows: R[],
  limit: number,
  positionOf: (last: R) => K,
): Promise<{ items: R[]; next_cursor: string | null }> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const next_cursor =
    rows.length > limit && last !== undefined
      ? await encodeCursor(c.get("config").JWT_SECRET, scope, positionOf(last))
      : null;
  if (next_cursor) {
    const next = new URL(c.req.url);
    next.searchParams.set("cursor", next_cursor);
    const link = `<${next.pathname}${next.search}>; rel="next"`;
    c.header("Link", link);
    c.set("link", link); // a versioned answer replays it with its rendered body (http/versioned-answer.ts)
  }
  return { items, next_cursor };
}

/** Reads a newest-first cursor; a signed cursor of another shape is 400 `invalid_cursor`. */
export async function readNewestFirst(
  c: Context<AppEnv>,
  scope: string,
  cursor: string | undefined,
): Promise<NewestFirst | undefined> {
  const after = await readCursor<NewestFirst>(c, scope, cursor);
  if (after !== undefined && (typeof after.c !== "string" || typeof after.i !== "string")) {
    throw new ApiError("invalid_cursor", "The cursor is malformed");
  }
  return after;
}
