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

const DETECTORS: Record<PatternKind, { detect: Detector; direction: PatternHit["direction"] }> = {
  doji: { direction: "neutral", detect: (c, i) => le(body(c[i] as Candle), average(c, SETTINGS.bodyDoji, i)) },
  hammer: {
    direction: "bullish",
    detect: (c, i) => {
      if (i < 1) return false;
      const x = c[i] as Candle;
      const prev = c[i - 1] as Candle;
      const near = average(c, SETTINGS.near, i - 1);
      return (
        lt(body(x), average(c, SETTINGS.bodyShort, i)) &&
        gt(lowerShadow(x), average(c, SETTINGS.shadowLong, i)) &&
        lt(upperShadow(x), average(c, SETTINGS.shadowVeryShort, i)) &&
        near !== null &&
        Math.min(x.close, x.open) <= prev.low + near
      );
    },
  },
  shooting_star: {
    direction: "bearish",
    detect: (c, i) => {
      if (i < 1) return false;
      const x = c[i] as Candle;
      const prev = c[i - 1] as Candle;
      return (
        lt(body(x), average(c, SETTINGS.bodyShort, i)) &&
        gt(upperShadow(x), average(c, SETTINGS.shadowLong, i)) &&
        lt(lowerShadow(x), average(c, SETTINGS.shadowVeryShort, i)) &&
        Math.min(x.open, x.close) > Math.max(prev.open, prev.close) // real-body gap up
      );
    },
  },
  bullish_engulfing: {
    direction: "bullish",
    detect: (c, i) => {
      if (i < 1) return false;
      const x = c[i] as Candle;
      const p = c[i - 1] as Candle;
      return (
        color(x) === 1 &&
        color(p) === -1 &&
        ((x.close >= p.open && x.open < p.close) || (x.close > p.open && x.open <= p.close))
      );
    },
  },
  bearish_engulfing: {
    direction: "bearish",
    detect: (c, i) => {
      if (i < 1) return false;
      const x = c[i] as Candle;
      const p = c[i - 1] as Candle;
      return (
        color(x) === -1 &&
        color(p) === 1 &&
        ((x.open >= p.close && x.close < p.open) || (x.open > p.close && x.close <= p.open))
      );
    },
  },
  morning_star: {
    direction: "bullish",
    detect: (c, i) => {
      if (i < 2) return false;
      const a = c[i - 2] as Candle;
      const b = c[i - 1] as Candle;
      const x = c[i] as Candle;
      return (
        gt(body(a), average(c, SETTINGS.bodyLong, i - 2)) &&
        color(a) === -1 &&
        le(body(b), average(c, SETTINGS.bodyShort, i - 1)) &&
        Math.max(b.open, b.close) < Math.min(a.open, a.close) && // real-body gap down
        gt(body(x), average(c, SETTINGS.bodyShort, i)) &&
        color(x) === 1 &&
        x.close > a.close + body(a) * STAR_PENETRATION
      );
    },
  },
  evening_star: {
    direction: "bearish",
    detect: (c, i) => {
      if (i < 2) return false;
      const a = c[i - 2] as Candle;
      const b = c[i - 1] as Candle;
      const x = c[i] as Candle;
      return (
        gt(body(a), average(c, SETTINGS.bodyLong, i - 2)) &&
        color(a) === 1 &&
        le(body(b), average(c, SETTINGS.bodyShort, i - 1)) &&
        Math.min(b.open, b.close) > Math.max(a.open, a.close) && // real-body gap up
        gt(body(x), average(c, SETTINGS.bodyShort, i)) &&
        color(x) === -1 &&
        x.close < a.close - body(a) * STAR_PENETRATION
      );
    },
  },
  three_white_soldiers: {
    direction: "bullish",
    detect: (c, i) => {
      if (i < 2) return false;
      const a = c[i - 2] as Candle;
      const b = c[i - 1] as Candle;
      const x = c[i] as Candle;
      const nearA = average(c, SETTINGS.near, i - 2);
      const nearB = average(c, SETTINGS.near, i - 1);
      const farA = average(c, SETTINGS.far, i - 2);
      const farB = average(c, SETTINGS.far, i - 1);
      return (
        color(a) === 1 &&
        lt(upperShadow(a), average(c, SETTINGS.shadowVeryShort, i - 2)) &&
        color(b) === 1 &&
        lt(upperShadow(b), average(c, SETTINGS.shadowVeryShort, i - 1)) &&
        color(x) === 1 &&
        lt(upperShadow(x), average(c, SETTINGS.shadowVeryShort, i)) &&
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
    },
  },
  three_black_crows: {
    direction: "bearish",
    detect: (c, i) => {
      if (i < 3) return false;
      const w = c[i - 3] as Candle;
      const a = c[i - 2] as Candle;
      const b = c[i - 1] as Candle;
      const x = c[i] as Candle;
      return (
        color(w) === 1 &&
        color(a) === -1 &&
        lt(lowerShadow(a), average(c, SETTINGS.shadowVeryShort, i - 2)) &&
        color(b) === -1 &&
        lt(lowerShadow(b), average(c, SETTINGS.shadowVeryShort, i - 1)) &&
        color(x) === -1 &&
        lt(lowerShadow(x), average(c, SETTINGS.shadowVeryShort, i)) &&
        b.open < a.open &&
        b.open > a.close &&
        x.open < b.open &&
        x.open > b.close &&
        w.high > a.close &&
        a.close > b.close &&
        b.close > x.close
      );
    },
  },
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
