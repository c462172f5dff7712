import * as ss from "simple-statistics";
import { describe, expect, it } from "vitest";
import { classifyRegimes } from "../../src/domain/regime";
import { weekdays } from "./market-fixtures";

const opts = { trendWindow: 10, slopeLookback: 5, volWindow: 5, volThreshold: 0.5 };

/** Closes from daily returns, starting at 100. */
const barsFrom = (returns: number[]) => {
  const dates = weekdays("2024-01-01", returns.length + 1);
  const closes = [100];
  for (const r of returns) closes.push((closes.at(-1) as number) * (1 + r));
  return closes.map((close, i) => ({ date: dates[i] as string, close }));
};

// ±0.5% wiggles keep volatility low (about 8% annualised) so the trend decides
const wiggle = (drift: number, n: number) => Array.from({ length: n }, (_, i) => drift + (i % 2 ? 0.005 : -0.005));

describe("market regime", () => {
  it("calls a steady climb above a rising SMA bull", () => {
    const days = classifyRegimes(barsFrom(wiggle(0.004, 40)), opts);
    expect(days.length).toBe(41 - 14); // first day with SMA(10) and its value 5 sessions earlier: index 14
    expect(new Set(days.map((d) => d.regime))).toEqual(new Set(["bull"]));
  });

  it("calls a steady decline below a falling SMA bear", () => {
    const days = classifyRegimes(barsFrom(wiggle(-0.004, 40)), opts);
    expect(days.every((d) => d.regime === "bear")).toBe(true);
  });

  it("calls it sideways when the close and the slope disagree", () => {
    // a long climb, then a sharp drop below the still-rising SMA
    const days = classifyRegimes(barsFrom([...wiggle(0.004, 30), -0.03, 0.001, 0.001]), { ...opts, volThreshold: 5 });
    expect(days.at(-1)?.inputs.sma_slope).toBeGreaterThan(0);
    expect(days.at(-1)?.inputs.close).toBeLessThan(days.at(-1)?.inputs.sma as number);
    expect(days.at(-1)?.regime).toBe("sideways");
  });

  it("puts high volatility first, and reports the inputs that decided", () => {
    const bars = barsFrom([...wiggle(0.004, 30), 0.06, -0.06, 0.06, -0.06]);
    const last = classifyRegimes(bars, opts).at(-1);
    expect(last?.regime).toBe("high_volatility");
    const closes = bars.map((b) => b.close);
    const returns = closes.slice(1).map((c, i) => c / (closes[i] as number) - 1);
    expect(last?.inputs.sma).toBeCloseTo(ss.mean(closes.slice(-10)), 10);
    expect(last?.inputs.volatility).toBeCloseTo(ss.sampleStandardDeviation(returns.slice(-5)) * Math.sqrt(252), 10);
    expect(last?.inputs.volatility_threshold).toBe(0.5);
  });

  it("uses the expanding percentile of past volatility when no fixed threshold is set", () => {
    const bars = barsFrom([...wiggle(0.002, 120), 0.08, -0.08, 0.08, -0.08]);
    const days = classifyRegimes(bars, { trendWindow: 10, slopeLookback: 5, volWindow: 5, minVolHistory: 30 });
    expect(days.at(-1)?.regime).toBe("high_volatility");
    expect(days.at(-1)?.inputs.volatility_threshold).not.toBeNull();
    expect(days[0]?.inputs.volatility_threshold).toBeNull();
  });

  it("refuses nonsense options", () => {
    expect(() => classifyRegimes([], { volPercentile: 1.5 })).toThrow(RangeError);
    expect(() => classifyRegimes([], { volWindow: 0 })).toThrow(RangeError);
    expect(() => classifyRegimes([], { trendWindow: 0 })).toThrow(RangeError);
  });
});
