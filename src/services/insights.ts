// Insights of an index's ready version: reads its levels, rebalances, weights, constituents' closes and the
// data events since its build, lets the domain write the sentences, and optionally has Workers AI reword them.
import type { Config } from "../config";
import { assetIdsBySymbol } from "../db/assets";
import { type IndexRow, readAllocationOn, readLevels, readRebalances } from "../db/indexes";
import { dataEventsSince } from "../db/market-events";
import { acceptRewording } from "../domain/insight-figures";
import { type Insight, type InsightInputs, indexInsights } from "../domain/insights";
import type { StoredDefinition } from "../schemas/indexes";
import type { Cached } from "./cache";
import { assetLevels, benchmarkRead, loadOwnedIndex, readyVersionOf, resolveBenchmark } from "./index-reads";
import { riskContributionsNow } from "./index-risk";

export interface InsightItem extends Insight {
  /** True when Workers AI reworded `text` (and the rewording quoted only the figures). */
  reworded: boolean;
}

export interface IndexInsights {
  index_id: string;
  version: number;
  date: string | null;
  items: InsightItem[];
}

/** Rebalances of a version are few (monthly over 20 years is 240); this bounds the read. */
const MAX_REBALANCES = 5000;

/** Everything `indexInsights` needs, read from the version's stored rows. */
export async function insightInputs(
  db: D1Database,
  cfg: Config,
  row: IndexRow,
  version: number,
): Promise<InsightInputs> {
  const definition = row.definition as StoredDefinition;
  const levels = await readLevels(db, row.id, version);
  const first = levels[0];
  const last = levels[levels.length - 1];
  const [rebalances, allocationRows] = await Promise.all([
    readRebalances(db, row.id, version, undefined, MAX_REBALANCES),
    readAllocationOn(db, row.id, version, null),
  ]);
  let benchmark: InsightInputs["benchmark"] = null;
  let risk: InsightInputs["risk"] = null;
  let events: InsightInputs["events"] = { actions: [], revisedBars: 0 };
  if (first && last) {
    const asset = await resolveBenchmark(db, cfg, row.benchmarkUsed ?? definition.benchmark, {
      start: first.date,
      end: last.date,
    });
    if (asset) benchmark = { symbol: asset.symbol, levels: await assetLevels(db, asset.id, first.date, last.date) };
    const ids = await assetIdsBySymbol(
      db,
      allocationRows.map((r) => r.symbol),
    );
    // The same computation as GET /v1/indexes/{id}/risk, so the sentence and the route never disagree.
    const now = await riskContributionsNow(db, row, version);
    if (now) risk = { shares: now.contributions, sessions: now.sessions };
    if (row.builtAt) {
      const watched = [...ids.values(), ...(asset ? [asset.id] : [])];
      events = await dataEventsSince(db, watched, row.builtAt, last.date);
    }
  }
  const firstAllocation = allocationRows[0];
  return {
    levels,
    benchmark,
    rebalances: rebalances.slice(0, MAX_REBALANCES),
    maxWeight: definition.max_weight ?? null,
    minWeight: definition.min_weight ?? null,
    allocation: firstAllocation
      ? {
          date: firstAllocation.rebalance_date,
          weights: Object.fromEntries(allocationRows.map((r) => [r.symbol, r.weight])),
        }
      : null,
    risk,
    version,
    builtAt: row.builtAt,
    events,
    riskFreeRate: cfg.RISK_FREE_RATE,
  };
}

/** The Workers AI binding when one is configured (`[ai] binding = "AI"`); the product works without it. */
interface TextModel {
  run(model: string, input: { messages: Array<{ role: string; content: string }> }): Promise<unknown>;
}
const aiOf = (env: Env): TextModel | undefined => (env as unknown as { AI?: TextModel }).AI;

const REWORD_PROMPT =
  "Rewrite the sentence about an investment index for a reader, in one or two plain sentences. " +
  "Keep every number, date and ticker exactly as written; add no number, estimate or advice. Answer with the sentence only.";

async function reword(ai: TextModel, model: string, item: Insight): Promise<InsightItem> {
  try {
    const answer = (await ai.run(model, {
      messages: [
        { role: "system", content: REWORD_PROMPT },
        { role: "user", content: item.text },
      ],
    })) as { response?: unknown };
    const text = typeof answer?.response === "string" ? answer.response.trim() : "";
    // A rewording that quotes any number the figures do not hold is dropped: the numbers are the product.
    if (acceptRewording(text, item.figures)) return { ...item, text, reworded: true };
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", msg: "insight rewording failed", error: String(err) }));
  }
  return { ...item, reworded: false };
}

export async function insightsOf(
  env: Env,
  cfg: Config,
  row: IndexRow,
  version: number,
  read?: InsightInputs,
): Promise<IndexInsights> {
  const input = read ?? (await insightInputs(env.DB, cfg, row, version));
  const computed = indexInsights(input);
  const ai = aiOf(env);
  const items =
    ai && cfg.INSIGHTS_AI_MODEL
      ? await Promise.all(computed.map((item) => reword(ai, cfg.INSIGHTS_AI_MODEL, item)))
      : computed.map((item) => ({ ...item, reworded: false }));
  return { index_id: row.id, version, date: input.levels[input.levels.length - 1]?.date ?? null, items };
}

/** The caller's index's insights from its ready version (404 for anyone else's, 409 before the first build), cached per version. */
export async function ownedIndexInsights(
  env: Env,
  cfg: Config,
  ownerId: string,
  id: string,
): Promise<Cached<IndexInsights>> {
  const row = await loadOwnedIndex(env.DB, ownerId, id);
  const version = readyVersionOf(row);
  // Insights quote the benchmark: the key carries its data version too (a refresh or deletion of it is seen at once).
  const benchmark = row.benchmarkUsed ?? (row.definition as StoredDefinition).benchmark;
  return benchmarkRead(env, cfg, row, version, "insights", benchmark, () => insightsOf(env, cfg, row, version));
}
