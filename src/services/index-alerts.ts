// Index alerts at a tick: each active alert's index marked at the tick's prices, observed, and fired once.
import { activeIndexAlerts, fireIndexAlerts, type IndexAlertCandidate } from "../db/alerts";
import { nowIso } from "../db/ids";
import { indexAlertMessage } from "../domain/alert-messages";
import { liveWeights, observeIndexAlert } from "../domain/index-alerts";
import { liveLevel } from "../domain/live-levels";
import type { AlertNotice, LiveQuote } from "../domain/ticks";
import { type MarkedIndex, markedIndexes, tickTime } from "./live-index";

/** What a fired index alert tells the webhook event and the stream. */
export interface FiredIndexAlert {
  alert: IndexAlertCandidate;
  value: number;
  message: string;
  ts: string;
}

/** The alerts of one marked index that the tick makes fire, with their observations and messages. */
function firing(candidates: readonly IndexAlertCandidate[], m: MarkedIndex, ts: string): FiredIndexAlert[] {
  const level = liveLevel(m.units, m.prices);
  const weights = liveWeights(m.units, m.prices);
  if (level === null || weights === null) return [];
  const state = { level, peak: candidates[0]?.peak ?? level, weights, targets: m.targets };
  const out: FiredIndexAlert[] = [];
  for (const a of candidates) {
    const symbol = a.symbol || null;
    const seen = observeIndexAlert({ kind: a.kind, condition: a.condition, threshold: a.price, symbol }, state);
    if (!seen.fires) continue;
    const message = indexAlertMessage({
      kind: a.kind,
      index_name: a.index_name,
      condition: a.condition,
      threshold: a.price,
      value: seen.value,
      symbol,
      weight: symbol ? (weights[symbol] ?? 0) : undefined,
      target: symbol ? (m.targets[symbol] ?? 0) : undefined,
    });
    out.push({ alert: a, value: seen.value, message, ts });
  }
  return out;
}

/**
 * Fires every active index alert the tick makes cross: only indexes holding a ticked symbol are marked, and a
 * level needs a price for every holding (a partial sum would be a wrong level).
 */
export async function triggerIndexAlerts(env: Env, quotes: LiveQuote[]): Promise<FiredIndexAlert[]> {
  if (!quotes.length) return [];
  const candidates = await activeIndexAlerts(env.DB);
  if (!candidates.length) return [];
  const byIndex = new Map<string, IndexAlertCandidate[]>();
  for (const a of candidates) {
    const list = byIndex.get(a.index_id);
    if (list) list.push(a);
    else byIndex.set(a.index_id, [a]);
  }
  const ts = tickTime(quotes);
  const due = (await markedIndexes(env, quotes, [...byIndex.keys()])).flatMap((m) =>
    firing(byIndex.get(m.id) ?? [], m, ts),
  );
  const flipped = new Set(
    (
      await fireIndexAlerts(
        env.DB,
        due.map((f) => ({ id: f.alert.id, value: f.value, message: f.message, ts: f.ts })),
        nowIso(),
      )
    ).map((r) => r.id),
  );
  return due.filter((f) => flipped.has(f.alert.id));
}

/** A fired index alert addressed to its owner's sockets. */
export const indexAlertNotice = (f: FiredIndexAlert): AlertNotice => ({
  owner_id: f.alert.owner_id,
  id: f.alert.id,
  kind: f.alert.kind,
  index_id: f.alert.index_id,
  symbol: f.alert.symbol || null,
  value: f.value,
  ts: f.ts,
  message: f.message,
});
