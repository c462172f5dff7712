// Previews: the weights a definition would set on a date, and the next rebalance of an index with its trade and
// cost. Both run the one build path (`computeDefinition`) on current data and store nothing.
import { getConfig } from "../config";
import { activeAssetsBySymbol, sectorsOf } from "../db/assets";
import { readCalendar } from "../db/prices";
import type { IndexProblem, Rebalance } from "../domain/index-levels";
import {
  type BindingCap,
  bindingCaps,
  type PreviewRules,
  type PreviewTrade,
  type PreviewWeight,
  previewTrade,
  previewWeights,
} from "../domain/rebalance-preview";
import { ApiError } from "../errors";
import type { IndexDefinitionBody, StoredDefinition } from "../schemas/indexes";
import { computeDefinition } from "./index-builds";
import { daysBefore, validateDefinition } from "./index-definitions";
import type { BuildNotes } from "./index-inputs";
import { loadOwnedIndex } from "./index-reads";

/** A date with no session this many calendar days before it has no data to preview. */
const SESSION_SEARCH_DAYS = 31;

export interface PreviewWarning {
  code: string;
  message: string;
}

export interface WeightsPreview {
  date: string;
  weights: PreviewWeight[];
  binding_caps: BindingCap[];
  caps_relaxed: boolean;
  warnings: PreviewWarning[];
}

const previewRules = (d: StoredDefinition, sectors: Record<string, string | null>): PreviewRules => ({
  maxWeight: d.max_weight,
  minWeight: d.min_weight,
  groupCaps: d.group_caps,
  sectors,
  maxTurnover: d.max_turnover,
});

/** The last session on or before `date` (the latest one without) on which a constituent traded. */
async function sessionOn(db: D1Database, definition: StoredDefinition, date: string | undefined): Promise<string> {
  const assets = await activeAssetsBySymbol(db, definition.constituents);
  const end = date ?? "9999-12-31";
  const start = date ? daysBefore(date, SESSION_SEARCH_DAYS) : "0000-01-01";
  const days = await readCalendar(
    db,
    assets.map((a) => a.id),
    start,
    end,
  );
  const session = days.at(-1);
  const today = new Date().toISOString().slice(0, 10);
  if (date && date > today)
    throw ApiError.validation(
      `${date} is in the future: a preview computes weights from prices known now`,
      [{ path: "date", message: `must not be after today (${today})` }],
      422,
    );
  if (!session) {
    throw ApiError.validation(
      `No constituent has a price in the ${SESSION_SEARCH_DAYS} days up to ${date}`,
      [{ path: "date", message: "no session with prices on or before this date" }],
      422,
    );
  }
  return session;
}

function warningsOf(rebalance: Rebalance, notes: BuildNotes, excluded: { symbol: string; reason: string }[]) {
  const out: PreviewWarning[] = (rebalance.warnings ?? []).map((code) => ({ code, message: code.replace(/_/g, " ") }));
  if (rebalance.caps_relaxed)
    out.push({ code: "caps_relaxed", message: "too few eligible constituents for the caps: widened to 1/n" });
  for (const e of excluded) out.push({ code: e.reason, message: `${e.symbol} is not in the index: ${e.reason}` });
  for (const [symbol, source] of Object.entries(notes.market_caps ?? {})) {
    if (source === "constant_shares_fallback")
      out.push({
        code: "constant_shares_fallback",
        message: `${symbol} has no market cap known on or before the date: its earliest share count stands in`,
      });
  }
  return out;
}

/** The request field an engine refusal is about (a preview's rebalance is on its `date`). */
function problemField(reason: IndexProblem | (string & {})): string {
  switch (reason) {
    case "infeasible_caps":
      return "max_weight";
    case "invalid_custom_weights":
      return "weights";
    case "invalid_base_value":
      return "base_value";
    case "infeasible_constraints":
      return "group_caps";
    case "no_constituents":
    case "zero_variance":
      return "constituents";
    default:
      return "date"; // no prices, nothing eligible, too little history: on or before that date
  }
}

async function compute(env: Env, definition: StoredDefinition, end: string, rebalanceOnLastDay: boolean) {
  const notes: BuildNotes = {};
  const computed = await computeDefinition(env.DB, definition, {
    end,
    riskFreeRate: getConfig(env).RISK_FREE_RATE,
    notes,
    rebalanceOnLastDay,
  });
  if (!computed.ok) {
    const path = problemField(computed.reason);
    throw ApiError.validation(computed.detail, [{ path, message: computed.detail }], 422);
  }
  const { build } = computed.value;
  const rebalance = build.rebalances.at(-1);
  if (!rebalance || rebalance.date !== end)
    throw ApiError.validation(
      `No rebalance can happen on ${end}`,
      [{ path: "date", message: "no rebalance on this date" }],
      422,
    );
  return { build, rebalance, notes };
}

/**
 * The weights the computed rebalance sets, with the caps that bound them (`first`: the index's first rebalance,
 * where no turnover cap can bind) and the warnings of its build.
 */
async function weightsPreview(
  db: D1Database,
  definition: StoredDefinition,
  { build, rebalance, notes }: Awaited<ReturnType<typeof compute>>,
  first: boolean,
): Promise<WeightsPreview> {
  const sectors = definition.group_caps ? await sectorsOf(db, definition.constituents) : {};
  const binding = bindingCaps(rebalance, previewRules(definition, sectors), first);
  return {
    date: rebalance.date,
    weights: previewWeights(rebalance, binding),
    binding_caps: binding,
    caps_relaxed: rebalance.caps_relaxed,
    warnings: warningsOf(rebalance, notes, build.excluded),
  };
}

/**
 * `POST /v1/indexes/preview`: the weights a rebalance of `body` on `date` (its last session; default the
 * latest) sets, validated exactly like a new index. The definition is built from that session with no later
 * rebalance, so the weights are those of a new index created on that day.
 */
export async function previewDefinition(
  env: Env,
  body: IndexDefinitionBody,
  date: string | undefined,
): Promise<WeightsPreview> {
  const validated = await validateDefinition(env.DB, body);
  const session = await sessionOn(env.DB, validated, date);
  const definition: StoredDefinition = { ...validated, base_date: session, rebalance: "none" };
  return weightsPreview(env.DB, definition, await compute(env, definition, session, false), true);
}

export interface RebalancePreview extends WeightsPreview, Omit<PreviewTrade, "changes"> {
  /** The index level on the date, and the fee in index points. */
  level: number;
  cost_points: number;
  fee_bps: number;
  joined: string[];
  left: string[];
  trades: PreviewTrade["changes"];
}

/**
 * `POST /v1/indexes/{id}/rebalance-preview`: the index's current definition built on today's data up to `date`
 * (default the latest session) with one more rebalance on that session: the weights it sets, the drifted
 * weights in force it trades from (the engine's own turnover, max_turnover applied), and the fee at `fee_bps`.
 */
export async function previewRebalance(
  env: Env,
  ownerId: string,
  id: string,
  opts: { date?: string; feeBps: number },
): Promise<RebalancePreview> {
  const row = await loadOwnedIndex(env.DB, ownerId, id);
  const definition = row.definition as StoredDefinition;
  const session = await sessionOn(env.DB, definition, opts.date);
  if (session < definition.base_date) {
    throw ApiError.validation(
      `${session} is before the index's base date ${definition.base_date}`,
      [{ path: "date", message: "must be on or after the index's base_date" }],
      422,
    );
  }
  const computed = await compute(env, definition, session, true);
  const { build, rebalance } = computed;
  const weights = await weightsPreview(env.DB, definition, computed, build.rebalances.length === 1);
  const trade = previewTrade(rebalance, opts.feeBps);
  const level = build.levels.at(-1)?.value ?? definition.base_value;
  return {
    ...weights,
    joined: rebalance.joined,
    left: rebalance.left,
    trades: trade.changes,
    turnover: trade.turnover,
    traded: trade.traded,
    fee_bps: opts.feeBps,
    cost: trade.cost,
    level,
    cost_points: trade.cost * level,
  };
}
