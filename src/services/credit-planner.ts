// Turns the day's provider credits into queued refresh work (the plan itself is src/domain/credit-plan.ts):
// the daily bars of every active symbol after the close, then corporate actions, then quotes for watched symbols.
import type { Config } from "../config";
import { activeAssetIds } from "../db/assets";
import { activeAssetCount, watchedSymbols } from "../db/watchlist";
import { type CreditPlan, planCredits, quoteRunAt } from "../domain/credit-plan";
import { SESSION_MINUTES } from "../domain/trading-session";
import { learntGaps } from "../providers";
import { creditCosts } from "../providers/plans";
import { shardNames } from "./live";

/** A refresh message as the queue schema (src/schemas/messages.ts) takes it, and when to send it. */
export interface PlannedJob {
  message: {
    kind: "refresh";
    mode: "daily" | "quotes";
    symbols?: string[];
    parts?: Array<"bars" | "corporate_actions" | "market_caps">;
  };
  delaySeconds: number;
}

const DAY_MS = 86_400_000;

/** Everything users watch: D1's orders, alerts and index constituents, plus every stream shard's subscriptions. */
export async function watchlist(env: Env, cfg: Config): Promise<string[]> {
  const fromDb = await watchedSymbols(env.DB);
  const fromStream = await Promise.all(
    shardNames(cfg).map((name) =>
      env.PRICE_HUB.getByName(name)
        .subscribedSymbols()
        .catch(() => [] as string[]),
    ),
  );
  const known = new Set((await activeAssetIds(env.DB)).map((a) => a.symbol));
  const all = new Set([...fromDb, ...fromStream.flat().filter((s) => known.has(s))]);
  return [...all].sort();
}

/** Today's plan for this deployment's key: its plan's costs, less what the vendor refused, within the budget. */
export async function creditPlan(env: Env, cfg: Config, watched: number): Promise<CreditPlan> {
  const gate = env.RATE_LIMITER.getByName("provider:twelvedata");
  const gaps = await learntGaps(gate, cfg.TWELVEDATA_PLAN).catch(() => new Set<never>());
  return planCredits({
    perMinute: cfg.PROVIDER_BUDGET_PER_MINUTE,
    perDay: cfg.PROVIDER_BUDGET_PER_DAY,
    activeSymbols: await activeAssetCount(env.DB),
    watchedSymbols: watched,
    costs: creditCosts(cfg.TWELVEDATA_PLAN, gaps),
    sessionMinutes: SESSION_MINUTES,
  });
}

/**
 * The daily refresh as budgeted messages: bars in chunks that fit one minute's credits, a minute apart, then
 * corporate actions (and market caps) for as many symbols as the day still pays for, rotating through the list so
 * every symbol gets its turn. The synthetic provider costs nothing: one message does it all.
 */
export async function planDailyRefresh(env: Env, cfg: Config, day: string): Promise<PlannedJob[]> {
  if (!cfg.TWELVEDATA_API_KEY) return [{ message: { kind: "refresh", mode: "daily" }, delaySeconds: 0 }];
  const symbols = (await activeAssetIds(env.DB)).map((a) => a.symbol);
  const plan = await creditPlan(env, cfg, 0);
  const jobs: PlannedJob[] = [];
  const { daily, actions } = plan;
  for (let i = 0; i < daily.messages; i++) {
    const part = symbols.slice(i * daily.symbolsPerMessage, (i + 1) * daily.symbolsPerMessage);
    if (part.length)
      jobs.push({
        message: { kind: "refresh", mode: "daily", symbols: part, parts: ["bars"] },
        delaySeconds: i * daily.spacingSeconds,
      });
  }
  if (actions.symbols > 0 && symbols.length) {
    const dayNumber = Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
    const offset = (dayNumber * actions.symbols) % symbols.length;
    const turn = Array.from({ length: actions.symbols }, (_, i) => symbols[(offset + i) % symbols.length] as string);
    for (let i = 0; i < actions.messages; i++) {
      const part = turn.slice(i * actions.symbolsPerMessage, (i + 1) * actions.symbolsPerMessage);
      if (part.length)
        jobs.push({
          message: { kind: "refresh", mode: "daily", symbols: part, parts: ["corporate_actions", "market_caps"] },
          delaySeconds: actions.startAfterSeconds + i * actions.spacingSeconds,
        });
    }
  }
  return jobs;
}

/**
 * The quote run due at `minute` of the session, or null when this minute has none. Quotes go to watched symbols
 * only, a group per run, at the cadence the credits left after the daily refresh allow.
 */
export async function planQuoteRun(env: Env, cfg: Config, minute: number): Promise<PlannedJob | null> {
  if (!cfg.TWELVEDATA_API_KEY) return { message: { kind: "refresh", mode: "quotes" }, delaySeconds: 0 };
  const watched = await watchlist(env, cfg);
  if (!watched.length) return null;
  const { quotes } = await creditPlan(env, cfg, watched.length);
  const group = quoteRunAt(quotes, minute);
  if (group === null) return null;
  const symbols = watched.slice(group * quotes.symbolsPerRun, (group + 1) * quotes.symbolsPerRun);
  return symbols.length ? { message: { kind: "refresh", mode: "quotes", symbols }, delaySeconds: 0 } : null;
}
