import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from "technicalindicators";
import { describe, expect, it } from "vitest";
import { atr, bollinger, ema, macd, rsi, sma } from "../../src/domain/indicators";
import { randomWalk, seededRandom, weekdays } from "./market-fixtures";

const closes = randomWalk(weekdays("2022-01-03", 300), seededRandom(5)).map((p) => p.close);
const rand = seededRandom(9);
const bars = closes.map((c) => {
  const high = c * (1 + rand() * 0.02);
  const low = c * (1 - rand() * 0.02);
  return { high, low, close: low + (high - low) * rand() };
});

/** The defined tail of an aligned series (technicalindicators returns only the defined values). */
const defined = <T>(xs: (T | null)[]): T[] => xs.filter((x): x is T => x !== null);

describe("moving averages", () => {
  it("computes an SMA by hand", () => {
    // window 3 over 1..5: (1+2+3)/3 = 2, 3, 4
    expect(sma([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
  });

  it("computes an SMA-seeded EMA by hand", () => {
    // window 3, α = 0.5: seed (1+2+3)/3 = 2; then 2 + 0.5(4 − 2) = 3; 3 + 0.5(8 − 3) = 5.5
    expect(ema([1, 2, 3, 4, 8], 3)).toEqual([null, null, 2, 3, 5.5]);
  });

  it("agrees with technicalindicators", () => {
    expect(defined(sma(closes, 20))).toEqual(
      SMA.calculate({ period: 20, values: closes }).map((x) => expect.closeTo(x, 9)),
    );
    expect(defined(ema(closes, 12))).toEqual(
      EMA.calculate({ period: 12, values: closes }).map((x) => expect.closeTo(x, 9)),
    );
  });

  it("returns all nulls when the window is longer than the series", () => {
    expect(sma([1, 2], 3)).toEqual([null, null]);
    expect(ema([1, 2], 3)).toEqual([null, null]);
  });

  it.each([0, -1, 2.5, Number.NaN, 20_000])("refuses window %d", (w) => {
    expect(() => sma(closes, w)).toThrow(RangeError);
    expect(() => rsi(closes, w)).toThrow(RangeError);
  });
});

describe("RSI", () => {
  it("computes Wilder's RSI by hand", () => {
    // window 2 over 10, 11, 10.5, 11.5: changes +1, −0.5, +1
    // seed: gain (1+0)/2 = 0.5, loss (0+0.5)/2 = 0.25 → RS 2 → RSI 100 − 100/3 = 66.67
    // next: gain (0.5·1 + 1)/2 = 0.75, loss (0.25·1 + 0)/2 = 0.125 → RS 6 → 100 − 100/7 = 85.71
    const r = rsi([10, 11, 10.5, 11.5], 2);
    expect(r[0]).toBeNull();
    expect(r[1]).toBeNull();
    expect(r[2]).toBeCloseTo(100 - 100 / 3, 12);
    expect(r[3]).toBeCloseTo(100 - 100 / 7, 12);
  });

  it("is 100 with no losses and 50 with no movement", () => {
    expect(rsi([1, 2, 3, 4], 2)[3]).toBe(100);
    expect(rsi([5, 5, 5, 5], 2)[3]).toBe(50);
  });

  it("agrees with technicalindicators (which rounds to 2 places)", () => {
    expect(defined(rsi(closes, 14))).toEqual(
      RSI.calculate({ period: 14, values: closes }).map((x) => expect.closeTo(x, 2)),
    );
  });
});

describe("MACD", () => {
  it("agrees with technicalindicators using EMAs for both lines", () => {
    const ours = defined(macd(closes));
    const theirs = MACD.calculate({
      values: closes,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    expect(ours.length).toBe(theirs.length);
    ours.forEach((p, i) => {
      const t = theirs[i];
      expect(p.macd).toBeCloseTo(t?.MACD as number, 9);
      if (t?.signal === undefined) expect(p.signal).toBeNull();
      else {
        expect(p.signal).toBeCloseTo(t.signal, 9);
        expect(p.histogram).toBeCloseTo(t.histogram as number, 9);
      }
    });
  });

  it("starts the line at the slow window and the signal 8 bars later", () => {
    const m = macd(closes);
    expect(m[24]).toBeNull();
    expect(m[25]?.signal).toBeNull();
    expect(m[33]?.signal).not.toBeNull();
    expect(() => macd(closes, 26, 12)).toThrow(RangeError);
  });
});

describe("Bollinger bands", () => {
  it("uses the population standard deviation, by hand", () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population sd 2 → bands 1 and 9 at k = 2
    const b = bollinger([2, 4, 4, 4, 5, 5, 7, 9], 8, 2);
    expect(b[7]).toEqual({ middle: 5, upper: 9, lower: 1 });
  });

  it("agrees with technicalindicators", () => {
    const ours = defined(bollinger(closes, 20, 2));
    const theirs = BollingerBands.calculate({ period: 20, stdDev: 2, values: closes });
    ours.forEach((p, i) => {
      expect(p.upper).toBeCloseTo(theirs[i]?.upper as number, 9);
      expect(p.lower).toBeCloseTo(theirs[i]?.lower as number, 9);
    });
    expect(() => bollinger(closes, 20, 0)).toThrow(RangeError);
  });
});

describe("ATR", () => {
  it("computes Wilder's ATR by hand", () => {
    // TR from bar 1: max(12−9, |12−10|, |9−10|) = 3; max(13−11, |13−11|, |11−11|) = 2; max(12−10, 1, 1) = 2
    // window 2: first ATR (3 + 2)/2 = 2.5 at bar 2; then (2.5·1 + 2)/2 = 2.25
    const a = atr(
      [
        { high: 11, low: 9, close: 10 },
        { high: 12, low: 9, close: 11 },
        { high: 13, low: 11, close: 11 },
        { high: 12, low: 10, close: 11 },
      ],
      2,
    );
    expect(a).toEqual([null, null, 2.5, 2.25]);
  });

  it("agrees with technicalindicators", () => {
    const ours = defined(atr(bars, 14));
    const theirs = ATR.calculate({
      period: 14,
      high: bars.map((b) => b.high),
      low: bars.map((b) => b.low),
      close: bars.map((b) => b.close),
    });
    expect(ours).toEqual(theirs.map((x) => expect.closeTo(x, 9)));
  });
});
