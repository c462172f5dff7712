import {
  bearishengulfingpattern,
  bearishinvertedhammerstick,
  bullishengulfingpattern,
  bullishhammerstick,
  doji,
  eveningstar,
  morningstar,
  threeblackcrows,
  threewhitesoldiers,
} from "technicalindicators";
import { describe, expect, it } from "vitest";
import { type Candle, findPatterns, type PatternKind } from "../../src/domain/candlestick-patterns";

type Ohlc = [open: number, high: number, low: number, close: number];
const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
/** Ten ordinary candles (body 1, range 2) so TA-Lib's 10- and 5-candle averages are known: body 1, range 2. */
const CALM: Ohlc[] = Array.from({ length: 10 }, () => [100, 101.5, 99.5, 101]);
const candlesOf = (rows: Ohlc[]): Candle[] =>
  rows.map(([open, high, low, close], i) => ({ date: day(i), open, high, low, close }));
const library = (rows: Ohlc[]) => ({
  open: rows.map((r) => r[0]),
  high: rows.map((r) => r[1]),
  low: rows.map((r) => r[2]),
  close: rows.map((r) => r[3]),
});

/** Textbook examples after the calm context; the test-only library must agree each one is its pattern. */
const EXAMPLES: { kind: PatternKind; rows: Ohlc[]; libraryAgrees: (d: ReturnType<typeof library>) => boolean }[] = [
  { kind: "doji", rows: [[100, 101, 99, 100.05]], libraryAgrees: doji },
  { kind: "hammer", rows: [[99.6, 99.95, 98.5, 99.9]], libraryAgrees: bullishhammerstick },
  { kind: "shooting_star", rows: [[101.4, 102.8, 101.18, 101.2]], libraryAgrees: bearishinvertedhammerstick },
  {
    kind: "bullish_engulfing",
    rows: [
      [101, 101.2, 99.8, 100],
      [99.5, 101.6, 99.4, 101.5],
    ],
    libraryAgrees: bullishengulfingpattern,
  },
  {
    kind: "bearish_engulfing",
    rows: [
      [100, 101.2, 99.8, 101],
      [101.5, 101.6, 99.4, 99.5],
    ],
    libraryAgrees: bearishengulfingpattern,
  },
  {
    kind: "morning_star",
    rows: [
      [102, 102.2, 98.8, 99],
      [98.2, 98.5, 98.0, 98.4],
      [98.8, 101.6, 98.7, 101.5],
    ],
    libraryAgrees: morningstar,
  },
  {
    kind: "evening_star",
    rows: [
      [99, 102.2, 98.8, 102],
      [102.6, 103, 102.5, 102.8],
      [102.2, 102.3, 99.4, 99.5],
    ],
    libraryAgrees: eveningstar,
  },
  {
    kind: "three_white_soldiers",
    rows: [
      [100, 101.25, 99.9, 101.2],
      [100.9, 102.25, 100.8, 102.2],
      [101.9, 103.35, 101.8, 103.3],
    ],
    libraryAgrees: threewhitesoldiers,
  },
  {
    kind: "three_black_crows",
    rows: [
      [100.9, 101.0, 99.65, 99.7],
      [99.9, 100.0, 98.55, 98.6],
      [98.8, 98.9, 97.45, 97.5],
    ],
    libraryAgrees: threeblackcrows,
  },
];

describe("candlestick patterns (TA-Lib definitions)", () => {
  for (const { kind, rows, libraryAgrees } of EXAMPLES) {
    it(`finds ${kind} on its textbook example, as technicalindicators also does`, () => {
      const all = [...CALM, ...rows];
      expect(libraryAgrees(library(rows))).toBe(true);
      const hits = findPatterns(candlesOf(all), [kind]);
      expect(hits.map((h) => h.date)).toContain(day(all.length - 1));
    });
  }

  it("judges a doji against the average range of the ten candles before it, as TA-Lib does", () => {
    // Body 0.3: above 10% of a 2-wide average range (0.2), below 10% of a 4-wide one (0.4).
    const candle: Ohlc = [100, 101, 99, 100.3];
    expect(findPatterns(candlesOf([...CALM, candle]), ["doji"]).some((h) => h.date === day(10))).toBe(false);
    const wide: Ohlc[] = Array.from({ length: 10 }, () => [100, 102, 98, 101]);
    expect(findPatterns(candlesOf([...wide, candle]), ["doji"]).some((h) => h.date === day(10))).toBe(true);
  });

  it("needs ten prior candles before it judges a body (TA-Lib's lookback)", () => {
    expect(findPatterns(candlesOf([[100, 101, 99, 100.05]]), ["doji"])).toEqual([]);
  });

  it("does not call two candles of one colour an engulfing", () => {
    const rows: Ohlc[] = [...CALM, [100, 101.2, 99.8, 101], [99.5, 101.6, 99.4, 101.5]];
    expect(findPatterns(candlesOf(rows), ["bullish_engulfing", "bearish_engulfing"])).toEqual([]);
  });

  it("labels each pattern's direction", () => {
    const hits = findPatterns(candlesOf([...CALM, ...(EXAMPLES[5]?.rows ?? [])]), ["morning_star"]);
    expect(hits[0]?.direction).toBe("bullish");
  });
});
