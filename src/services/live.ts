// Live market ticks: where shards live, how a tick reaches every shard, and what a tick sets off (alerts, fills, index levels).
import type { Config } from "../config";
import { getConfig } from "../config";
import type { AlertNotice, IndexLevelFrame, LiveQuote, SequencedQuote, Tick, TickReport } from "../domain/ticks";
import { activeProvider } from "../providers";

export type { LiveQuote, TickReport };

import { triggerAlerts } from "./alerts";
import { liveIndexLevels } from "./live-index";
import { fillCrossedOrders } from "./paper-trading";

/**
 * The one PriceHub object that numbers ticks (so `seq` agrees on every shard and survives eviction), fans them
 * out, and in local development runs the synthetic clock. Shards are `shard:<n>`.
 */
export const PUBLISHER = "publisher";

/** How often one isolate reminds the local clock that someone listens (it idles 120 s after the last reminder). */
const WAKE_EVERY_MS = 20_000;
let lastWake = Number.NEGATIVE_INFINITY;

/**
 * In local development the synthetic clock ticks only while someone listens (hub-publisher.ts): an authenticated
 * stream socket (hub-shard.ts) or a client polling `GET /v1/quotes`. Each reminds it through here, at most once per
 * isolate every 20 s, off the request's path. Elsewhere (a vendor's quotes, tests) it does nothing.
 */
export function keepLocalClockAwake(
  env: Env,
  cfg: Config,
  waitUntil: (work: Promise<unknown>) => void,
  now = Date.now(),
): void {
  if (now - lastWake < WAKE_EVERY_MS) return;
  const active = activeProvider(cfg);
  if (active.kind !== "synthetic" || !active.localClock) return;
  lastWake = now;
  waitUntil(
    env.PRICE_HUB.getByName(PUBLISHER)
      .wake()
      .catch(() => false),
  );
}

export const shardNames = (cfg: Config) => Array.from({ length: cfg.STREAM_SHARDS }, (_, n) => `shard:${n}`);

/** Sockets spread evenly without coordination; any shard can serve any subscription. */
export function pickShard(cfg: Config, random = Math.random): string {
  return `shard:${Math.floor(random() * cfg.STREAM_SHARDS)}`;
}

/**
 * Publishes quotes that are already stored in D1 (callers write them with `upsertQuotes` first): numbers them,
 * sends them to every shard once, then fires alerts, fills crossed limit orders and sends live index levels.
 */
export async function publishQuotes(env: Env, quotes: LiveQuote[]): Promise<TickReport> {
  const valid = quotes.filter((q) => Number.isFinite(q.price) && q.price > 0 && q.symbol);
  if (!valid.length) return { quotes: 0, indexes: 0, alerts: 0, fills: 0, sockets: 0 };
  return env.PRICE_HUB.getByName(PUBLISHER).publishTick(valid);
}

/** Sends one tick to every shard in parallel; returns how many authenticated sockets they hold. */
export async function fanOut(env: Env, tick: Tick): Promise<number> {
  const results = await Promise.all(
    shardNames(getConfig(env)).map((name) => env.PRICE_HUB.getByName(name).publish(tick)),
  );
  return results.reduce((n, r) => n + r.sockets, 0);
}

export interface TickEffects {
  alerts: AlertNotice[];
  levels: Array<Omit<IndexLevelFrame, "seq">>;
  fills: number;
}

/** What a tick sets off in D1; each part is independent, so one failing never holds back the others. */
export async function tickEffects(env: Env, quotes: LiveQuote[], watchedIndexes: string[]): Promise<TickEffects> {
  const [alerts, fills, levels] = await Promise.all([
    settle("alerts", triggerAlerts(env, quotes), [] as AlertNotice[]),
    settle("fills", fillCrossedOrders(env, quotes), 0),
    settle("index levels", liveIndexLevels(env, quotes, watchedIndexes), [] as TickEffects["levels"]),
  ]);
  return { alerts, fills, levels };
}

async function settle<T>(what: string, work: Promise<T>, fallback: T): Promise<T> {
  try {
    return await work;
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: `live tick: ${what} failed`, error: String(err) }));
    return fallback;
  }
}

export type { SequencedQuote };
