// Backtests: record the request with the definition it runs, run it as a job, keep the reconciled result.
import { getConfig } from "../config";
import { newId } from "../db/ids";
import {
  failUnfinishedSimulation,
  findOwnedSimulation,
  findSimulation,
  insertSimulation,
  markSimulationRunning,
  type SimulationRow,
  storeSimulationResult,
} from "../db/simulations";
import { readTradingPage } from "../db/trading-series";
import {
  type BacktestResult,
  type DividendPolicy,
  runBacktest,
  type ScheduledAllocation,
  type SlippageModel,
  scheduledSymbols,
} from "../domain/backtest";
import { previousTradingDay } from "../domain/calendar";
import { flowAdjustedCurve, moneyWeightedReturn, timeWeightedReturn } from "../domain/cash-flow-returns";
import { type ExtendedMetrics, extendedMetrics } from "../domain/extended-metrics";
import { type RiskMetrics, riskMetrics } from "../domain/metrics";
import { ApiError } from "../errors";
import type { StoredDefinition } from "../schemas/indexes";
import type { SimulationMessage } from "../schemas/messages";
import type { SimulationBody } from "../schemas/simulations";
import { computeDefinition } from "./index-builds";
import { CARRY_IN_DAYS, daysBefore, matrixStart, validateDefinition } from "./index-definitions";
import { readPriceMatrix } from "./index-inputs";
import { assetLevels, loadOwnedIndex, resolveBenchmark } from "./index-reads";
import { enqueueJob, type JobOutcome } from "./jobs";

/** What a simulation row's `request` holds: the inputs, with the index definition frozen at request time. */
export interface StoredSimulation {
  start: string;
  end: string;
  initial_capital: number;
  fee_bps: number;
  slippage_bps: number;
  index_id: string | null;
  definition: StoredDefinition;
  /** Absent on requests stored before v1.1 added them: the defaults. */
  dividends?: DividendPolicy;
  contributions?: Array<{ date: string; amount: number }>;
  slippage_model?: SlippageModel;
}

interface StoredResult extends Omit<BacktestResult, "positions"> {
  metrics: RiskMetrics & Partial<ExtendedMetrics>;
  /** Time-weighted and money-weighted (IRR, annual) returns; absent on results stored before v1.1. */
  twr?: number | null;
  mwr?: number | null;
  positions: Record<string, number>;
}

/** Results above this size go to KV (D1 rows are limited to 2 MB); the row keeps a pointer. */
const MAX_ROW_RESULT_BYTES = 1_500_000;
const resultKey = (id: string) => `simulation-result:${id}`;

export type { SimulationRow };

/** Validates (the index must be the caller's, or a valid inline definition), records it queued and enqueues it. */
export async function createSimulation(env: Env, ownerId: string, body: SimulationBody): Promise<SimulationRow> {
  let definition: StoredDefinition;
  if (body.index_id !== undefined) {
    definition = (await loadOwnedIndex(env.DB, ownerId, body.index_id)).definition as StoredDefinition;
  } else {
    definition = await validateDefinition(env.DB, body.index as NonNullable<SimulationBody["index"]>).catch(
      (err: unknown) => {
        // The definition is the body's `index`: its fields are named from the body's root, as schema errors are.
        if (!(err instanceof ApiError) || !err.errors) throw err;
        throw new ApiError(err.code, err.detail, {
          status: err.status,
          errors: err.errors.map((e) => ({ ...e, path: `index.${e.path}` })),
        });
      },
    );
  }
  const request: StoredSimulation = {
    start: body.start,
    end: body.end,
    initial_capital: body.initial_capital,
    fee_bps: body.fee_bps,
    slippage_bps: body.slippage_bps,
    index_id: body.index_id ?? null,
    definition,
    dividends: body.dividends,
    contributions: body.contributions ?? [],
    slippage_model: body.slippage_model,
  };
  const id = newId("sim");
  const row = await insertSimulation(env.DB, { id, ownerId, request });
  await enqueueJob(env, { kind: "simulation", simulation_id: id });
  return row;
}

export async function loadOwnedSimulation(db: D1Database, ownerId: string, id: string): Promise<SimulationRow> {
  const row = await findOwnedSimulation(db, ownerId, id);
  if (!row) throw ApiError.notFound(`Simulation ${id}`);
  return row;
}

/** The public shape; a result kept in KV is read back here. */
export async function publicSimulation(env: Env, row: SimulationRow) {
  const req = row.request as StoredSimulation;
  let result = row.result as (StoredResult & { in_kv?: boolean }) | null;
  if (result?.in_kv) result = await env.CACHE.get<StoredResult>(resultKey(row.id), "json");
  return {
    id: row.id,
    status: row.status,
    start: req.start,
    end: req.end,
    initial_capital: req.initial_capital,
    fee_bps: req.fee_bps,
    slippage_bps: req.slippage_bps,
    index_id: req.index_id,
    dividends: req.dividends ?? "cash",
    contributions: req.contributions ?? [],
    slippage_model: req.slippage_model ?? "bps",
    equity_curve: result?.equity_curve ?? [],
    trades: result?.trades ?? [],
    cash_flows: result?.cash_flows ?? [],
    metrics: result?.metrics ?? null,
    twr: result?.twr ?? null,
    mwr: result?.mwr ?? null,
    final_cash: result?.final_cash ?? null,
    fees_paid: result?.fees_paid ?? null,
    error: row.error,
    created_at: row.createdAt,
  };
}

/** Fails a simulation that has not finished (the build's own failure, or retries exhausted in the dead-letter queue). */
export function failSimulation(db: D1Database, id: string, detail: string): Promise<void> {
  return failUnfinishedSimulation(db, id, detail);
}

/**
 * The `simulation` job: computes the index schedule from the frozen definition, runs the backtest with the
 * configured share rounding and stores curve, trades and metrics. Input problems fail the simulation with a
 * reason; infrastructure errors are thrown so the queue retries.
 */
export async function runSimulation(
  env: Env,
  msg: Pick<SimulationMessage, "simulation_id">,
  opts: { pageSize?: number } = {},
): Promise<JobOutcome & { simulation: SimulationRow["status"] }> {
  const db = env.DB;
  const cfg = getConfig(env);
  const row = await findSimulation(db, msg.simulation_id);
  if (!row || row.status === "succeeded" || row.status === "failed") {
    return { simulation: row?.status ?? "failed", status: "succeeded", stats: { skipped: true } };
  }
  await markSimulationRunning(db, row.id);
  const req = row.request as StoredSimulation;
  const fail = async (detail: string) => {
    await failSimulation(db, row.id, detail);
    return { simulation: "failed" as const, status: "failed" as const, error: detail };
  };

  const computed = await computeDefinition(env.DB, req.definition, { end: req.end });
  if (!computed.ok) return fail(computed.detail);
  const { build, assets } = computed.value;
  const schedule: ScheduledAllocation[] = build.allocations.map((a) => ({
    rebalance_date: a.rebalance_date,
    weights: a.weights,
  }));
  // The backtest trades split-adjusted closes of the same assets over the same carry-in window the build read
  // (its dividends are paid as cash, so a dividend-adjusted close would count them twice), read into one
  // Float64Array page by page: a 500-name, 20-year history never lives as point objects.
  const symbols = scheduledSymbols(schedule);
  const historyStart = daysBefore(matrixStart(req.definition), CARRY_IN_DAYS);
  const slippageModel = req.slippage_model ?? "bps";
  const dividends: Record<string, Array<{ ex_date: string; amount: number }>> = {};
  let volumes: Float64Array | undefined;
  const prices = await readPriceMatrix(
    env.DB,
    symbols,
    assets,
    {
      start: req.start,
      historyStart,
      end: req.end,
      pageSize: opts.pageSize,
      read: async (page) => {
        const part = await readTradingPage(env.DB, page, historyStart, req.end);
        Object.assign(dividends, part.dividends);
        return part.history;
      },
    },
    slippageModel !== "volume_participation"
      ? undefined
      : async (page, history, m) => {
          const n = m.symbols.length;
          volumes ??= new Float64Array(m.closes.length);
          const column = new Map(m.symbols.map((s, i) => [s, i]));
          const dayOf = new Map(m.dates.map((d, t) => [d, t]));
          for (const { symbol } of page) {
            const s = column.get(symbol) as number;
            for (const p of (history[symbol] ?? []) as ReadonlyArray<{ date: string; volume?: number }>) {
              const t = dayOf.get(p.date);
              if (t !== undefined) volumes[t * n + s] = p.volume ?? 0;
            }
          }
        },
  );
  const contributions = req.contributions ?? [];
  const outcome = runBacktest({
    prices,
    schedule,
    start: req.start,
    end: req.end,
    initialCapital: req.initial_capital,
    feeBps: req.fee_bps,
    slippageBps: req.slippage_bps,
    fractional: cfg.FRACTIONAL_SHARES,
    dividends,
    dividendPolicy: req.dividends ?? "cash",
    contributions,
    slippageModel,
    volumes: volumes ?? (slippageModel === "volume_participation" ? new Float64Array(prices.closes.length) : undefined),
  });
  if (!outcome.ok) return fail(outcome.detail);
  const curve = outcome.value.equity_curve;
  const paidIn = outcome.value.cash_flows
    .filter((f) => f.kind === "contribution")
    .map((f) => ({ date: f.date, amount: f.amount }));
  // Returns are measured from the initial capital, at the close of the session before the first one: the first
  // session's fees and slippage are a loss like any other (the curve's first point is already after them).
  const first = curve[0] ? { date: previousTradingDay(curve[0].date), value: req.initial_capital } : undefined;
  const last = curve[curve.length - 1];
  const measured = first ? [first, ...curve] : curve;
  const benchmark =
    first && last
      ? await resolveBenchmark(env.DB, cfg, req.definition.benchmark, { start: first.date, end: last.date })
      : null;
  const benchLevels =
    benchmark && first && last ? await assetLevels(env.DB, benchmark.id, first.date, last.date) : null;
  // Contributions are not performance: the metrics read the flow-adjusted unit curve (the curve itself without them).
  const performance = paidIn.length > 0 ? flowAdjustedCurve(measured, paidIn) : measured;
  const base = riskMetrics(performance, benchLevels, { riskFreeRate: cfg.RISK_FREE_RATE });
  const extended = extendedMetrics({
    levels: performance,
    benchmark: benchLevels,
    riskFreeRate: cfg.RISK_FREE_RATE,
    cagr: base.cagr,
    maxDrawdown: base.max_drawdown,
    beta: base.beta,
  });
  const result: StoredResult = {
    ...outcome.value,
    metrics: { ...base, ...extended },
    // Contributions are the external flows (dividends are income), each on the session it landed.
    twr: timeWeightedReturn(measured, paidIn),
    mwr: first && last ? moneyWeightedReturn(first, last, paidIn) : null,
  };
  const json = JSON.stringify(result);
  let stored: unknown = result;
  if (json.length > MAX_ROW_RESULT_BYTES) {
    await env.CACHE.put(resultKey(row.id), json);
    stored = { in_kv: true };
  }
  await storeSimulationResult(db, row.id, stored);
  return {
    simulation: "succeeded",
    status: "succeeded",
    stats: { days: curve.length, trades: result.trades.length },
  };
}

/** Runs a simulation outside the queue (tests, tools); returns the simulation's final status. */
export async function simulationJob(
  env: Env,
  msg: Pick<SimulationMessage, "simulation_id">,
  opts: { pageSize?: number } = {},
) {
  return (await runSimulation(env, msg, opts)).simulation;
}
