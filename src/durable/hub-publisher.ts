// The PriceHub publisher: numbers every tick (one writer, so all shards agree on seq), fans it out, and in local
// development is the synthetic clock that ticks while anyone listens.
import { getConfig } from "../config";
import { listedAssets } from "../db/assets";
import { upsertQuotes } from "../db/quotes";
import { activeProvider } from "../providers";
import { SyntheticProvider } from "../providers/synthetic";
import { bumpVersion } from "../services/cache";
import { fanOut, type LiveQuote, type TickReport, tickEffects } from "../services/live";
import type { SequencedQuote } from "./stream-protocol";

/** The local clock stops re-arming when no socket has been connected for this long. */
const IDLE_STOP_MS = 120_000;
const ASSET_CACHE_MS = 60_000;

export class HubPublisher {
  /** Ticks are published strictly one after another, so a shard never sees a symbol's seq go backwards. */
  private chain: Promise<unknown> = Promise.resolve();
  private assets: { at: number; rows: Array<{ id: number; symbol: string }> } | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS seq (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS watch (shard TEXT NOT NULL, index_id TEXT NOT NULL, PRIMARY KEY (shard, index_id));`);
  }

  publishTick(quotes: LiveQuote[]): Promise<TickReport> {
    const run = this.chain.then(() => this.publishNow(quotes));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async publishNow(input: LiveQuote[]): Promise<TickReport> {
    const bySymbol = new Map(input.map((q) => [q.symbol, q]));
    const quotes: SequencedQuote[] = [...bySymbol.values()].map((q) => ({ ...q, seq: this.next(`s:${q.symbol}`) }));
    // Quotes go out first: alerts, fills and index levels need D1 round trips and must not delay prices.
    let sockets = await fanOut(this.env, { quotes, indexes: [], alerts: [] });
    const effects = await tickEffects(this.env, [...bySymbol.values()], this.watched());
    const indexes = effects.levels.map((l) => ({ ...l, seq: this.next(`i:${l.id}`) }));
    if (indexes.length || effects.alerts.length) {
      sockets = Math.max(sockets, await fanOut(this.env, { quotes: [], indexes, alerts: effects.alerts }));
    }
    if (sockets > 0) this.ctx.storage.kv.put("lastActive", Date.now());
    return {
      quotes: quotes.length,
      indexes: indexes.length,
      alerts: effects.alerts.length,
      fills: effects.fills,
      sockets,
    };
  }

  private next(key: string): number {
    return this.ctx.storage.sql
      .exec<{ value: number }>(
        "INSERT INTO seq (key, value) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value",
        key,
      )
      .one().value;
  }

  seqOf(symbols: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of symbols) {
      const row = this.ctx.storage.sql
        .exec<{ value: number }>("SELECT value FROM seq WHERE key = ?", `s:${s}`)
        .toArray()[0];
      out[s] = row?.value ?? 0;
    }
    return out;
  }

  /** A shard reports the full set of indexes its sockets watch whenever that set changes. */
  watchIndexes(shard: string, ids: string[]): void {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM watch WHERE shard = ?", shard);
    for (const id of ids) sql.exec("INSERT OR IGNORE INTO watch (shard, index_id) VALUES (?, ?)", shard, id);
  }

  watched(): string[] {
    return this.ctx.storage.sql
      .exec<{ index_id: string }>("SELECT DISTINCT index_id FROM watch")
      .toArray()
      .map((r) => r.index_id);
  }

  /** Starts the local synthetic clock (no-op elsewhere, or when it already runs). */
  async wake(): Promise<boolean> {
    if (!this.clockEnabled()) return false;
    this.ctx.storage.kv.put("lastActive", Date.now());
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
    return true;
  }

  /** One local tick: synthetic quotes for every active asset → D1 → every shard; re-arms while anyone listens. */
  async tick(now = Date.now(), force = false): Promise<TickReport | null> {
    if (!force && !this.clockEnabled()) return null;
    const cfg = getConfig(this.env);
    let report: TickReport | null = null;
    try {
      const assets = await this.activeAssets(now);
      const provider = new SyntheticProvider({
        seed: cfg.SYNTHETIC_SEED,
        tickMs: cfg.SYNTHETIC_TICK_MS,
        now: () => now,
      });
      const results = await provider.quotes(assets.map((a) => a.symbol));
      const idOf = new Map(assets.map((a) => [a.symbol, a.id]));
      const quotes: LiveQuote[] = [];
      for (const [symbol, r] of results) if (r.ok) quotes.push({ ...r.value, symbol, source: provider.name });
      if (quotes.length) {
        // Stored and published side by side: the stream never waits on D1, and both finish before the next tick.
        const store = async () => {
          const rows = quotes.map((q) => ({
            assetId: idOf.get(q.symbol)!,
            price: q.price,
            previousClose: q.previous_close ?? q.price,
            ts: q.ts,
          }));
          await upsertQuotes(this.env.DB, rows, provider.name);
          await bumpVersion(this.env.CACHE, "quotes");
        };
        [, report] = await Promise.all([store(), this.publishTick(quotes)]);
      }
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "local ticker failed", error: String(err) }));
    }
    const lastActive = this.ctx.storage.kv.get<number>("lastActive") ?? 0;
    if (!force && Date.now() - lastActive < IDLE_STOP_MS) {
      // Aligned to the tick grid so ticks stay evenly spaced however long the work took.
      const step = cfg.SYNTHETIC_TICK_MS;
      await this.ctx.storage.setAlarm(Math.max(Date.now() + 10, Math.ceil((Date.now() + 1) / step) * step));
    }
    return report;
  }

  private clockEnabled(): boolean {
    const cfg = getConfig(this.env);
    const active = activeProvider(cfg);
    return active.kind === "synthetic" && active.localClock;
  }

  private async activeAssets(now: number) {
    if (!this.assets || now - this.assets.at > ASSET_CACHE_MS) {
      this.assets = { at: now, rows: await listedAssets(this.env.DB) };
    }
    return this.assets.rows;
  }
}
