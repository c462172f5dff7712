// A trading day's provider credits, spent in order of need: every active symbol's daily bar after the close
// first, then corporate actions, then live quotes for what users watch, at the cadence what is left allows.

/** Vendor credits per symbol for each kind of call; 0 means the plan does not include it (it is never called). */
export interface CreditCosts {
  bar: number;
  quote: number;
  /** Splits plus dividends, per symbol. */
  corporateActions: number;
  marketCap: number;
}

export interface CreditPlanInput {
  perMinute: number;
  perDay: number;
  activeSymbols: number;
  watchedSymbols: number;
  costs: CreditCosts;
  /** Minutes of the regular session in which quotes are worth having. */
  sessionMinutes: number;
  /** Share of the day kept back for retries and admin refreshes (default 5%). */
  reserveShare?: number;
}

/** One phase of queued work: `messages` jobs of at most `symbolsPerMessage`, sent `spacingSeconds` apart. */
export interface Phase {
  symbols: number;
  symbolsPerMessage: number;
  messages: number;
  spacingSeconds: number;
  credits: number;
}

export interface CreditPlan {
  reserve: number;
  daily: Phase;
  /** Starts when the daily phase's last message is due. */
  actions: Phase & { startAfterSeconds: number };
  quotes: {
    credits: number;
    /** Symbols one quote run carries (one group of the watched list). */
    symbolsPerRun: number;
    /** Groups the watched list is cut into; runs take them in turn. */
    groups: number;
    /** A run every this many session minutes; null when no credits are left for quotes. */
    everyMinutes: number | null;
  };
}

const EMPTY_PHASE: Phase = { symbols: 0, symbolsPerMessage: 0, messages: 0, spacingSeconds: 60, credits: 0 };

/** Messages of `symbols` at `cost` each that fit in a minute's credits, and how far apart they must go. */
function phase(symbols: number, cost: number, perMinute: number): Phase {
  if (symbols <= 0 || cost <= 0) return EMPTY_PHASE;
  const symbolsPerMessage = Math.max(1, Math.floor(perMinute / cost));
  // A symbol dearer than a whole minute waits for as many minutes as its cost needs.
  const spacingSeconds = 60 * Math.max(1, Math.ceil((symbolsPerMessage * cost) / perMinute));
  return {
    symbols,
    symbolsPerMessage,
    messages: Math.ceil(symbols / symbolsPerMessage),
    spacingSeconds,
    credits: symbols * cost,
  };
}

export function planCredits(input: CreditPlanInput): CreditPlan {
  const { perMinute, perDay, costs } = input;
  const reserve = Math.ceil(perDay * (input.reserveShare ?? 0.05));
  let left = perDay - reserve;

  // Bars first, always planned in full: without them nothing downstream (indexes, metrics) is current.
  const daily = phase(input.activeSymbols, costs.bar, perMinute);
  left -= daily.credits;

  // Corporate actions for as many symbols as the day still pays for; the rest wait for a later day's turn.
  const actionCost = costs.corporateActions + costs.marketCap;
  const actionSymbols = actionCost > 0 ? Math.max(0, Math.min(input.activeSymbols, Math.floor(left / actionCost))) : 0;
  const actions = {
    ...phase(actionSymbols, actionCost, perMinute),
    startAfterSeconds: daily.messages * daily.spacingSeconds,
  };
  left -= actions.credits;

  // Quotes get what is left, spread evenly over the session.
  const symbolsPerRun = costs.quote > 0 ? Math.min(input.watchedSymbols, Math.floor(perMinute / costs.quote)) : 0;
  const runCost = symbolsPerRun * costs.quote;
  const runs = runCost > 0 && left > 0 ? Math.floor(left / runCost) : 0;
  const everyMinutes = runs > 0 ? Math.max(1, Math.ceil(input.sessionMinutes / runs)) : null;
  const groups = symbolsPerRun > 0 ? Math.ceil(input.watchedSymbols / symbolsPerRun) : 0;
  const quoteRuns = everyMinutes === null ? 0 : Math.ceil(input.sessionMinutes / everyMinutes);
  return {
    reserve,
    daily,
    actions,
    quotes: { credits: quoteRuns * runCost, symbolsPerRun, groups, everyMinutes },
  };
}

/**
 * Which group of the watched list a quote run at `minute` of the session takes, or null when this minute has no
 * run: runs fall on multiples of `everyMinutes`, and consecutive runs take consecutive groups.
 */
export function quoteRunAt(plan: CreditPlan["quotes"], minute: number): number | null {
  if (plan.everyMinutes === null || plan.groups === 0 || minute < 0) return null;
  if (minute % plan.everyMinutes !== 0) return null;
  return (minute / plan.everyMinutes) % plan.groups;
}
