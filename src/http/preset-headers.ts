// Headers every answer carries whatever the route does (security headers, X-Request-Id, Vary, RateLimit-*), put on
// the answer being built before the route runs instead of written into the finished one afterwards.
//
// Why: in workerd each write into a finished Response's headers is a call into the runtime, and writing ~20 of
// them after the route cost about twice the CPU of preparing them before (bench/RESULTS.md, hot path, fourth
// pass). hono applies a context's prepared headers to every answer built with `c.body`/`c.json`/`c.header`; an
// answer built elsewhere (an error rendered by onError, a static file, the etag middleware's 304) does not get
// them, so each preset checks the finished answer once and writes them the old way only when they are missing.
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** Puts `list` on the answer being built (hono's prepared headers); `ensurePresent` checks the finished one. */
export function prepare(c: Context<AppEnv>, list: HeaderList, append = false): void {
  for (const [name, value] of list) c.header(name, value, append ? { append: true } : undefined);
}

/**
 * After the route: when the finished answer lacks the sentinel (by default the list's first header) with its
 * value, it was built outside this context, and the whole list is written into it, overwriting like hono's own
 * middlewares do. The sentinel must be a header nothing else writes with the same value.
 */
export function ensurePresent(c: Context<AppEnv>, list: HeaderList, sentinel = list[0]): void {
  if (!sentinel) return;
  const headers = c.res.headers;
  if (headers.get(sentinel[0]) === sentinel[1]) return;
  try {
    for (const [name, value] of list) headers.set(name, value);
  } catch {
    // Immutable headers (a response passed through from a subrequest): copy once, then stamp.
    c.res = new Response(c.res.body, c.res);
    for (const [name, value] of list) c.res.headers.set(name, value);
  }
}

/**
 * The headers a header-setting middleware (hono's secureHeaders) writes, found by running it once on an empty
 * answer: the values stay hono's, computed from the same options, and are then written from this one list.
 */
export async function headersWrittenBy(middleware: MiddlewareHandler): Promise<HeaderList> {
  const probe = new Hono();
  probe.use(middleware);
  probe.get("*", (c) => c.body(null, 204));
  const res = await probe.request("http://probe.invalid/");
  return Object.freeze([...res.headers].map(([name, value]) => Object.freeze([name, value] as const)));
}

/**
 * A middleware that presets the headers `middleware` would write after the route (found once, on first use),
 * so they cost one write each into the answer being built. Same headers, same values, on every answer.
 * `sentinel` names one of them that no other part (a route, public/_headers) writes.
 */
export function presetHeadersOf(middleware: MiddlewareHandler, sentinel: string): MiddlewareHandler<AppEnv> {
  let list: HeaderList | undefined;
  let mark: HeaderList[number] | undefined;
  let finding: Promise<HeaderList> | undefined;
  return async (c, next) => {
    if (!list) {
      finding ??= headersWrittenBy(middleware);
      list = await finding;
      mark = list.find(([name]) => name === sentinel.toLowerCase());
      if (!mark) throw new Error(`${sentinel} is not among the headers to preset`);
    }
    prepare(c, list);
    await next();
    ensurePresent(c, list, mark);
  };
}
