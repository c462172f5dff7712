import { describe, expect, it } from "vitest";
import { planCredits, quoteRunAt } from "../../src/domain/credit-plan";

const FREE = { perMinute: 8, perDay: 800 };
const BASIC_COSTS = { bar: 1, quote: 1, corporateActions: 0, marketCap: 0 };

describe("planCredits", () => {
  it("free plan, 60 symbols, 20 watched: bars first, then quotes every 5 minutes", () => {
    const plan = planCredits({
      ...FREE,
      activeSymbols: 60,
      watchedSymbols: 20,
      costs: BASIC_COSTS,
      sessionMinutes: 390,
    });
    // Hand derivation: reserve 5% of 800 = 40; bars 60 × 1 = 60 credits in ceil(60 / 8) = 8 messages a minute apart;
    // 800 − 40 − 60 = 700 left; a run carries 8 symbols (8 credits): floor(700 / 8) = 87 runs → every ceil(390 / 87) = 5
    // minutes; 20 symbols are 3 groups; 78 runs × 8 = 624 credits.
    expect(plan.reserve).toBe(40);
    expect(plan.daily).toEqual({ symbols: 60, symbolsPerMessage: 8, messages: 8, spacingSeconds: 60, credits: 60 });
    expect(plan.actions.symbols).toBe(0);
    expect(plan.quotes).toEqual({ credits: 624, symbolsPerRun: 8, groups: 3, everyMinutes: 5 });
    expect(plan.reserve + plan.daily.credits + plan.quotes.credits).toBeLessThanOrEqual(800);
  });

  it("500 symbols on the free plan: the daily bars take 500 credits, quotes what is left", () => {
    const plan = planCredits({
      ...FREE,
      activeSymbols: 500,
      watchedSymbols: 50,
      costs: BASIC_COSTS,
      sessionMinutes: 390,
    });
    // 800 − 40 − 500 = 260 → 32 runs of 8 → every ceil(390 / 32) = 13 minutes → 30 runs = 240 credits.
    expect(plan.daily.messages).toBe(63);
    expect(plan.quotes).toEqual({ credits: 240, symbolsPerRun: 8, groups: 7, everyMinutes: 13 });
  });

  it("corporate actions get what the bars leave, before quotes, and symbols dearer than a minute go one a minute", () => {
    const costs = { bar: 1, quote: 1, corporateActions: 40, marketCap: 0 };
    const plan = planCredits({ ...FREE, activeSymbols: 60, watchedSymbols: 20, costs, sessionMinutes: 390 });
    // 700 credits after bars → floor(700 / 40) = 17 symbols' splits and dividends (680); 20 left → 2 quote runs.
    expect(plan.actions).toMatchObject({ symbols: 17, symbolsPerMessage: 1, messages: 17, credits: 680 });
    // 40 credits at 8 a minute: 5 minutes apart, starting after the 8 bar messages.
    expect(plan.actions.spacingSeconds).toBe(300);
    expect(plan.actions.startAfterSeconds).toBe(480);
    expect(plan.quotes.everyMinutes).toBe(195);
  });

  it("leaves quotes out when bars take the whole day", () => {
    const plan = planCredits({
      ...FREE,
      activeSymbols: 790,
      watchedSymbols: 5,
      costs: BASIC_COSTS,
      sessionMinutes: 390,
    });
    expect(plan.daily.credits).toBe(790);
    expect(plan.quotes.everyMinutes).toBeNull();
  });
});

describe("quoteRunAt", () => {
  it("runs on multiples of the cadence and takes the groups in turn", () => {
    const quotes = { credits: 0, symbolsPerRun: 8, groups: 3, everyMinutes: 5 };
    expect([0, 3, 5, 10, 15, 20].map((m) => quoteRunAt(quotes, m))).toEqual([0, null, 1, 2, 0, 1]);
    expect(quoteRunAt({ ...quotes, everyMinutes: null }, 0)).toBeNull();
  });
});
