// Candlestick patterns with TA-Lib's definitions (CDLDOJI, CDLHAMMER, CDLSHOOTINGSTAR, CDLENGULFING,
// CDLMORNINGSTAR, CDLEVENINGSTAR, CDL3WHITESOLDIERS, CDL3BLACKCROWS) and its default candle settings.

export interface Candle {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
}

export const PATTERN_KINDS = [
  "doji",
  "hammer",
  "shooting_star",
  "bullish_engulfing",
  "bearish_engulfing",
  "morning_star",
  "evening_star",
  "three_white_soldiers",
  "three_black_crows",
] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];

export interface PatternHit {
  date: string;
  kind: PatternKind;
  direction: "bullish" | "bearish" | "neutral";
}

/** TA-Lib's candle settings: what is averaged, over how many prior candles, times what factor. */
type RangeType = "real_body" | "high_low" | "shadows";
interface Setting {
  range: RangeType;
  period: number;
  factor: number;
}
const SETTINGS = {
  bodyLong: { range: "real_body", period: 10, factor: 1 },
  bodyShort: { range: "real_body", period: 10, factor: 1 },
  bodyDoji: { range: "high_low", period: 10, factor: 0.1 },
  shadowLong: { range: "real_body", period: 0, factor: 1 },
  shadowVeryShort: { range: "high_low", period: 10, factor: 0.1 },
  near: { range: "high_low", period: 5, factor: 0.2 },
  far: { range: "high_low", period: 5, factor: 0.6 },
} satisfies Record<string, Setting>;

/** TA-Lib's default penetration of the first candle's body by the third in morning/evening stars. */
const STAR_PENETRATION = 0.3;

const body = (c: Candle) => Math.abs(c.close - c.open);
const upperShadow = (c: Candle) => c.high - Math.max(c.open, c.close);
const lowerShadow = (c: Candle) => Math.min(c.open, c.close) - c.low;
/** TA-Lib's colour: white (1) when close ≥ open. */
const color = (c: Candle) => (c.close >= c.open ? 1 : -1);

function rangeOf(c: Candle, range: RangeType): number {
  if (range === "real_body") return body(c);
  if (range === "high_low") return c.high - c.low;
  return upperShadow(c) + lowerShadow(c);
}

/**
 * TA_CANDLEAVERAGE for candle i: factor × (mean of the range over the `period` candles before i, or candle
 * i's own range when period is 0), halved for shadow ranges. Null when fewer than `period` candles precede i.
 */
function average(candles: readonly Candle[], setting: Setting, i: number): number | null {
  if (setting.period === 0)
    return (setting.factor * rangeOf(candles[i] as Candle, setting.range)) / (setting.range === "shadows" ? 2 : 1);
  if (i < setting.period) return null;
  let sum = 0;
  for (let k = i - setting.period; k < i; k++) sum += rangeOf(candles[k] as Candle, setting.range);
  return (setting.factor * (sum / setting.period)) / (setting.range === "shadows" ? 2 : 1);
}

type Detector = (c: readonly Candle[], i: number) => boolean;
const lt = (x: number, avg: number | null) => avg !== null && x < avg;
const le = (x: number, avg: number | null) => avg !== null && x <= avg;
const gt = (x: number, avg: number | null) => avg !== null && x > avg;

/** Body top and bottom: the higher and the lower of open and close. */
const top = (c: Candle) => Math.max(c.open, c.close);
const bottom = (c: Candle) => Math.min(c.open, c.close);
/** The real body of `later` stands wholly above (side 1) or wholly below (side −1) that of `earlier`. */
const bodyGap = (earlier: Candle, later: Candle, side: 1 | -1) =>
  side === 1 ? bottom(later) > top(earlier) : top(later) < bottom(earlier);

type Shadow = (c: Candle) => number;

/** A pattern of candle i (x) and the one before it (p); false on the first candle. */
const twoCandles =
  (test: (p: Candle, x: Candle, c: readonly Candle[], i: number) => boolean): Detector =>
  (c, i) =>
    i >= 1 && test(c[i - 1] as Candle, c[i] as Candle, c, i);

/** A pattern of candles i−2 (a), i−1 (b) and i (x); false before the third candle. */
const threeCandles =
  (test: (a: Candle, b: Candle, x: Candle, c: readonly Candle[], i: number) => boolean): Detector =>
  (c, i) =>
    i >= 2 && test(c[i - 2] as Candle, c[i - 1] as Candle, c[i] as Candle, c, i);

/**
 * A short body at one end of the range (hammer, shooting star): a long `tail` shadow, a very short `head` shadow,
 * and `placed`, the pattern's own test against the previous candle.
 */
const pinBar = (
  tail: Shadow,
  head: Shadow,
  placed: (p: Candle, x: Candle, c: readonly Candle[], i: number) => boolean,
) =>
  twoCandles(
    (p, x, c, i) =>
      lt(body(x), average(c, SETTINGS.bodyShort, i)) &&
      gt(tail(x), average(c, SETTINGS.shadowLong, i)) &&
      lt(head(x), average(c, SETTINGS.shadowVeryShort, i)) &&
      placed(p, x, c, i),
  );

/** CDLENGULFING for one side: a body of colour `side` engulfs the opposite-coloured body before it. */
const engulfing = (side: 1 | -1) =>
  twoCandles(
    (p, x) =>
      color(x) === side &&
      color(p) === -side &&
      ((top(x) >= top(p) && bottom(x) < bottom(p)) || (top(x) > top(p) && bottom(x) <= bottom(p))),
  );

/**
 * CDLMORNINGSTAR (side 1) and CDLEVENINGSTAR (side −1): a long body against the side, a short one gapping away
 * from it, then a body of the side's colour closing past `STAR_PENETRATION` of the first body.
 */
const star = (side: 1 | -1) =>
  threeCandles((a, b, x, c, i) => {
    const penetration = body(a) * STAR_PENETRATION;
    return (
      gt(body(a), average(c, SETTINGS.bodyLong, i - 2)) &&
      color(a) === -side &&
      le(body(b), average(c, SETTINGS.bodyShort, i - 1)) &&
      bodyGap(a, b, side === 1 ? -1 : 1) &&
      gt(body(x), average(c, SETTINGS.bodyShort, i)) &&
      color(x) === side &&
      (side === 1 ? x.close > a.close + penetration : x.close < a.close - penetration)
    );
  });

/** Candles i−2, i−1 and i all of colour `side`, each with a very short `shadow` (three soldiers, three crows). */
const threeInARow = (c: readonly Candle[], i: number, side: 1 | -1, shadow: Shadow) =>
  [i - 2, i - 1, i].every(
    (k) => color(c[k] as Candle) === side && lt(shadow(c[k] as Candle), average(c, SETTINGS.shadowVeryShort, k)),
  );

/**
 * CDL3WHITESOLDIERS: three white candles, each opening within (or near) the body before it, closing higher, its
 * body not far shorter than the one before.
 */
const threeWhiteSoldiers = threeCandles((a, b, x, c, i) => {
  const nearA = average(c, SETTINGS.near, i - 2);
  const nearB = average(c, SETTINGS.near, i - 1);
  const farA = average(c, SETTINGS.far, i - 2);
  const farB = average(c, SETTINGS.far, i - 1);
  return (
    threeInARow(c, i, 1, upperShadow) &&
    x.close > b.close &&
    b.close > a.close &&
    b.open > a.open &&
    nearA !== null &&
    b.open <= a.close + nearA &&
    x.open > b.open &&
    nearB !== null &&
    x.open <= b.close + nearB &&
    farA !== null &&
    body(b) > body(a) - farA &&
    farB !== null &&
    body(x) > body(b) - farB &&
    gt(body(x), average(c, SETTINGS.bodyShort, i))
  );
});

/** CDL3BLACKCROWS: after a white candle, three black ones, each opening within the body before it and closing lower. */
const threeBlackCrows = threeCandles((a, b, x, c, i) => {
  if (i < 3) return false;
  const w = c[i - 3] as Candle;
  return (
    color(w) === 1 &&
    threeInARow(c, i, -1, lowerShadow) &&
    b.open < a.open &&
    b.open > a.close &&
    x.open < b.open &&
    x.open > b.close &&
    w.high > a.close &&
    a.close > b.close &&
    b.close > x.close
  );
});

const DETECTORS: Record<PatternKind, { detect: Detector; direction: PatternHit["direction"] }> = {
  doji: { direction: "neutral", detect: (c, i) => le(body(c[i] as Candle), average(c, SETTINGS.bodyDoji, i)) },
  hammer: {
    direction: "bullish",
    detect: pinBar(lowerShadow, upperShadow, (p, x, c, i) => {
      const near = average(c, SETTINGS.near, i - 1);
      return near !== null && bottom(x) <= p.low + near;
    }),
  },
  shooting_star: { direction: "bearish", detect: pinBar(upperShadow, lowerShadow, (p, x) => bodyGap(p, x, 1)) },
  bullish_engulfing: { direction: "bullish", detect: engulfing(1) },
  bearish_engulfing: { direction: "bearish", detect: engulfing(-1) },
  morning_star: { direction: "bullish", detect: star(1) },
  evening_star: { direction: "bearish", detect: star(-1) },
  three_white_soldiers: { direction: "bullish", detect: threeWhiteSoldiers },
  three_black_crows: { direction: "bearish", detect: threeBlackCrows },
};

/** Every (day, pattern) of `kinds` in ascending candles; each day's averages use only the candles before it. */
export function findPatterns(candles: readonly Candle[], kinds: readonly PatternKind[] = PATTERN_KINDS): PatternHit[] {
  const out: PatternHit[] = [];
  for (let i = 0; i < candles.length; i++) {
    for (const kind of kinds) {
      const d = DETECTORS[kind];
      if (d.detect(candles, i)) out.push({ date: (candles[i] as Candle).date, kind, direction: d.direction });
    }
  }
  return out;
}
