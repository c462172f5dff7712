// The index engine: daily levels, allocations and rebalances of a custom index, chain-linked so it never jumps.

import {
  type Allocation,
  type Exclusion,
  type ExclusionReason,
  type Holdings,
  type ImpliedShares,
  type IndexBuild,
  type IndexInput,
  type IndexKernelInput,
  type IndexLevel,
  type IndexProblem,
  impliedSharesSchedule,
  indexRulesProblem,
  type PriceFactor,
  priceFactorSchedule,
  type Rebalance,
} from "./index-rules";
import { isOptimisedMethod } from "./optimised-weighting";
import { failure, type Outcome, success } from "./outcome";
import { buildPriceMatrix } from "./price-matrix";
import { currentWeights, hasLookbackHistory, needsPortfolioTarget, rebalanceTarget } from "./rebalance-targets";
import { rebalanceDayIndexes } from "./rebalancing";
import { capWeightArray, type Weights } from "./weighting";

export * from "./index-rules";

/** Builds the index from raw price history: aligns the calendar, then runs the kernel. */
export function computeIndex(input: IndexInput): Outcome<IndexBuild, IndexProblem> {
  const problem = indexRulesProblem(input.constituents, input);
  if (problem) return failure(problem.reason, problem.detail);
  // Risk-based weightings read returns before the base date, so their matrix starts with the whole history.
  const start = isOptimisedMethod(input.weighting) ? "0000-01-01" : input.baseDate;
  const matrix = buildPriceMatrix(input.prices, input.constituents, { start });
  const impliedShares =
    input.weighting === "market_cap"
      ? input.constituents.map((s) => impliedSharesSchedule(input.marketCaps?.[s], input.prices[s]))
      : undefined;
  const priceFactors =
    input.weighting === "price"
      ? input.constituents.map((s) => priceFactorSchedule(input.adjustments?.[s], input.prices[s]))
      : undefined;
  return computeIndexFromMatrix({ ...input, matrix, impliedShares, priceFactors });
}

/**
 * The entry of a dated schedule (implied shares, price factors) in force on `date`: the latest on or before it, the
 * earliest one before any (for shares a later fact, named in the build notes). `from` is where the previous, earlier
 * rebalance found its entry: rebalances move forward in time, so each schedule is walked once per build, not once
 * per rebalance.
 */
function entryInForce(schedule: readonly { date: string }[], date: string, from: number): number {
  let i = from;
  while (i + 1 < schedule.length && (schedule[i + 1] as { date: string }).date <= date) i++;
  return i;
}

/**
 * Σ units × close of the members on one day's row. A function of its own so V8 optimises it within the
 * first build (2,520 calls), instead of waiting for the whole kernel to be called often enough.
 */
function heldValue(held: Float64Array, members: Int32Array, closes: Float64Array, row: number): number {
  let value = 0;
  for (let k = 0; k < members.length; k++)
    value += (held[k] as number) * (closes[row + (members[k] as number)] as number);
  return value;
}

/**
 * Defines `key` on `target` as the record { symbol: value } of one rebalance's columns, made on first read and
 * an ordinary property from then on (the builder's row writer reads the columns and never makes it).
 */
function recordOnRead(
  target: object,
  key: string,
  symbols: readonly string[],
  columns: Int32Array,
  values: Float64Array,
): void {
  const settle = (value: unknown) =>
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      const record: Record<string, number> = {};
      for (let i = 0; i < columns.length; i++) record[symbols[columns[i] as number] as string] = values[i] as number;
      settle(record);
      return record;
    },
    set: settle,
  });
}

/**
 * The kernel (also the benchmark entry point). Divisor-free chain-linking: at each rebalance the units
 * are reset so Σ units × close equals the level just before, so levels are continuous by construction.
 */
export function computeIndexFromMatrix(input: IndexKernelInput): Outcome<IndexBuild, IndexProblem> {
  const { matrix, weighting } = input;
  const { dates, symbols, closes, firstDay, lastDay } = matrix;
  const n = symbols.length;
  const days = dates.length;
  const lastIndex = days - 1;
  if (days === 0) return failure("no_prices", `no constituent has a price on or after ${input.baseDate}`);
  const rebalanceDays = rebalanceDayIndexes(dates, input.rebalance, input.baseDate);
  if (input.rebalanceOnLastDay && rebalanceDays.length > 0 && rebalanceDays.at(-1) !== lastIndex)
    rebalanceDays.push(lastIndex);
  if (rebalanceDays.length === 0)
    return failure("no_prices", `no constituent has a price on or after ${input.baseDate}`);
  // Rows before the base date are lookback history for the risk-based weightings, never index levels.
  const firstLevel = rebalanceDays[0] as number;
  const optimised = isOptimisedMethod(weighting);
  let shortHistory = false;

  const units = new Float64Array(n);
  const member = new Uint8Array(n);
  const everMember = new Uint8Array(n);
  const values = new Float64Array(days);
  let members: Int32Array = new Int32Array(0);
  let held: Float64Array = new Float64Array(0); // units of members[k], by position: one indirection less per day
  const allocations: Allocation[] = [];
  const rebalances: Rebalance[] = [];
  const holdings: Holdings[] = [];
  // Per symbol: the schedule entry (implied shares, or price factor) the last rebalance used.
  const sharesAt = new Int32Array(n);
  const noCap = (s: number) => weighting === "market_cap" && !input.impliedShares?.[s];
  // A constituent whose series stops before the calendar ends is delisted: it is not bought on/after its last day.
  const eligible = (s: number, t: number) =>
    firstDay[s] !== -1 &&
    (firstDay[s] as number) <= t &&
    ((lastDay[s] as number) > t || lastDay[s] === lastIndex) &&
    !noCap(s);

  let next = 0;
  for (let t = 0; t < days; t++) {
    const row = t * n;
    let value = heldValue(held, members, closes, row);
    if (next < rebalanceDays.length && rebalanceDays[next] === t) {
      next++;
      const first = allocations.length === 0;
      if (first) value = input.baseValue;
      const chosen: number[] = [];
      for (let s = 0; s < n; s++) {
        if (!eligible(s, t)) continue;
        // A risk-based weighting needs a return history: a new listing joins once it has one.
        if (optimised && !hasLookbackHistory(matrix, s, t)) shortHistory = true;
        else chosen.push(s);
      }
      if (chosen.length === 0) {
        if (first && shortHistory) {
          return failure(
            "insufficient_history",
            `${weighting} needs at least 20 daily returns before ${dates[t]}: no constituent has them (choose a later date)`,
          );
        }
        if (first) return failure("no_eligible_constituents", `no constituent can be bought on ${dates[t]}`);
      } else {
        const reb = rebalanceAt(input, t, chosen, value, units, member, first, sharesAt);
        if (!reb.ok) return reb;
        rebalances.push(reb.rebalance);
        allocations.push(reb.allocation);
        holdings.push(reb.holdings);
        members = reb.holdings.columns;
        held = reb.holdings.units;
        for (const s of chosen) everMember[s] = 1;
      }
    }
    values[t] = value;
  }

  const levels: IndexLevel[] = new Array(days - firstLevel);
  for (let t = firstLevel; t < days; t++) {
    const v = values[t] as number;
    levels[t - firstLevel] = {
      date: dates[t] as string,
      value: v,
      daily_return: t === firstLevel ? null : v / (values[t - 1] as number) - 1,
    };
  }
  const excluded: Exclusion[] = [];
  for (let s = 0; s < n; s++) {
    if (everMember[s]) continue;
    const reason: ExclusionReason =
      firstDay[s] === -1
        ? "no_prices"
        : optimised && (lastDay[s] as number) >= firstLevel
          ? "insufficient_history"
          : lastDay[s] === -1
            ? "delisted_before_base"
            : noCap(s)
              ? "no_market_cap"
              : "not_listed_on_a_rebalance_date";
    excluded.push({ symbol: symbols[s] as string, reason });
  }
  return success({ levels, allocations, rebalances, holdings, excluded });
}

/** Resets `units` (and `member`) in place to the capped target weights of `chosen` at value `value`. */
function rebalanceAt(
  input: IndexKernelInput,
  t: number,
  chosen: readonly number[],
  value: number,
  units: Float64Array,
  member: Uint8Array,
  first: boolean,
  sharesAt: Int32Array,
):
  | { ok: true; rebalance: Rebalance; allocation: Allocation; holdings: Holdings }
  | { ok: false; reason: IndexProblem; detail: string } {
  const { symbols, closes, dates } = input.matrix;
  const n = symbols.length;
  const row = t * n;
  const date = dates[t] as string;
  const k = chosen.length;
  const raw = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k && !isOptimisedMethod(input.weighting); i++) {
    const s = chosen[i] as number;
    const close = closes[row + s] as number;
    const symbol = symbols[s] as string;
    raw[i] =
      input.weighting === "equal"
        ? 1
        : input.weighting === "price"
          ? quotedClose(input.priceFactors?.[s], close, s, date, sharesAt)
          : input.weighting === "custom"
            ? (input.customWeights?.[symbol] ?? 0)
            : impliedSharesAt(input.impliedShares?.[s] as readonly ImpliedShares[], s, date, sharesAt) * close;
    total += raw[i] as number;
  }
  if (!(total > 0)) {
    raw.fill(1); // every eligible custom weight is zero (or a risk-based method decides below)
    total = k;
  }
  // Fewer eligible names than the caps allow (after delistings): widen the caps to the nearest feasible, 1/k.
  const maxCap = input.maxWeight ?? 1;
  const minCap = input.minWeight ?? 0;
  const max = Math.max(maxCap, 1 / k);
  const min = Math.min(minCap, 1 / k);
  let capped: Float64Array;
  let warnings: string[] = [];
  let relaxed = false;
  if (needsPortfolioTarget(input.weighting, input.portfolio)) {
    const current = first ? null : currentWeights(input.matrix, t, chosen, value, units, member);
    const target = rebalanceTarget({
      method: input.weighting,
      classicRaw: isOptimisedMethod(input.weighting) ? null : raw,
      matrix: input.matrix,
      chosen,
      t,
      minWeight: min,
      maxWeight: max,
      rules: input.portfolio,
      current,
    });
    if (!target.ok) return target;
    capped = target.value.after;
    raw.set(target.value.before);
    total = 1;
    warnings = target.value.warnings;
    relaxed = target.value.relaxed;
  } else capped = capWeightArray(raw, max, min);

  const columns = Int32Array.from(chosen);
  const unitsHeld = new Float64Array(k);
  const joined: string[] = [];
  const inForce: Weights | null = input.rebalanceOnLastDay && t === dates.length - 1 ? {} : null;
  let turnover = 0;
  const inNew = new Uint8Array(n);
  for (let i = 0; i < k; i++) {
    const s = chosen[i] as number;
    const close = closes[row + s] as number;
    const w = capped[i] as number;
    const drifted = first ? 0 : ((units[s] as number) * close) / value;
    turnover += Math.abs(w - drifted);
    raw[i] = (raw[i] as number) / total; // the method's weights before caps, from here on
    inNew[s] = 1;
    if (!member[s]) joined.push(symbols[s] as string);
  }
  const left: string[] = [];
  for (let s = 0; s < n; s++) {
    if (inForce && member[s])
      inForce[symbols[s] as string] = ((units[s] as number) * (closes[row + s] as number)) / value;
    if (member[s] && !inNew[s]) {
      left.push(symbols[s] as string);
      turnover += Math.abs(((units[s] as number) * (closes[row + s] as number)) / value);
    }
    units[s] = 0;
    member[s] = inNew[s] as number;
  }
  for (let i = 0; i < k; i++) {
    const s = chosen[i] as number;
    const u = ((capped[i] as number) * value) / (closes[row + s] as number);
    units[s] = u;
    unitsHeld[i] = u;
  }
  const holdings: Holdings = { symbols, columns, before: raw, after: capped, units: unitsHeld };
  const rebalance = {
    date,
    weights_before: {},
    weights_after: {},
    turnover: first ? 1 : turnover / 2,
    joined,
    left,
    caps_relaxed: max !== maxCap || min !== minCap || relaxed,
    ...(warnings.length > 0 && { warnings }),
    ...(inForce && { weights_in_force: inForce }),
  } as Rebalance;
  recordOnRead(rebalance, "weights_before", symbols, columns, raw);
  recordOnRead(rebalance, "weights_after", symbols, columns, capped);
  const allocation = { rebalance_date: date, weights: {}, shares: {} } as Allocation;
  recordOnRead(allocation, "weights", symbols, columns, capped);
  recordOnRead(allocation, "shares", symbols, columns, unitsHeld);
  return { ok: true, rebalance, allocation, holdings };
}

/** The implied share count in force on `date` for column `s`, moving that column's place in `sharesAt` forward. */
function impliedSharesAt(schedule: readonly ImpliedShares[], s: number, date: string, sharesAt: Int32Array): number {
  const i = entryInForce(schedule, date, sharesAt[s] as number);
  sharesAt[s] = i;
  return (schedule[i] as ImpliedShares).shares;
}

/**
 * Column `s`'s close as quoted on `date` (the adjusted `close` ÷ the factor in force then): what a price weighting
 * weighs, so a later split or dividend never reaches back into an earlier rebalance. No schedule: unadjusted.
 */
function quotedClose(
  schedule: readonly PriceFactor[] | null | undefined,
  close: number,
  s: number,
  date: string,
  at: Int32Array,
): number {
  if (!schedule || schedule.length === 0) return close;
  const i = entryInForce(schedule, date, at[s] as number);
  at[s] = i;
  return close / (schedule[i] as PriceFactor).factor;
}

/** The allocation in force on `date`: the latest rebalance on or before it (null before the base date). */
export function allocationOn(allocations: readonly Allocation[], date: string): Allocation | null {
  let found: Allocation | null = null;
  for (const a of allocations) {
    if (a.rebalance_date > date) break;
    found = a;
  }
  return found;
}

export { liveIndexValue } from "./live-levels";
