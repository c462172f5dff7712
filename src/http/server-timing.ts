// Per-stage timings in a Server-Timing header (hono's timing middleware), only when SERVER_TIMING is on: the
// benches read it to say where a request's time goes. Off (the default), nothing is measured or sent.
import type { Context, MiddlewareHandler } from "hono";
import { timing, wrapTime } from "hono/timing";
import type { AppEnv } from "./context";

const measure = timing({ totalDescription: "in the Worker" });

/** Runs the rest of the request, timed when SERVER_TIMING is on (called from the app's first middleware). */
export const serverTiming: MiddlewareHandler<AppEnv> = (c, next) =>
  c.get("config").SERVER_TIMING ? measure(c, next) : next();

/**
 * Awaits `work`, recording it as stage `name` when timings are on. Clocks in workerd advance only across I/O,
 * so a stage shows its waits (D1, KV, Durable Object), not its CPU.
 */
export function timed<T>(c: Context<AppEnv>, name: string, work: Promise<T>): Promise<T> {
  return c.get("metric") ? wrapTime(c, name, work) : work;
}
