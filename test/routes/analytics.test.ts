// Indicators, correlation, anomalies and regimes through the real app over hand-made bars.
import { MACD, RSI } from "technicalindicators";
import { beforeAll, describe, expect, it } from "vitest";
import type { AnswerOf } from "../helpers/answers";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";

/** An indicator's value is one of three shapes, by kind: bollinger answers bands, macd its three lines. */
type IndicatorValue = AnswerOf<"/v1/assets/{symbol}/indicators", "GET">["data"][number]["value"];
const bands = (v: IndicatorValue) => v as Extract<IndicatorValue, { upper: number }>;
const macd = (v: IndicatorValue) => v as Extract<IndicatorValue, { macd: number }>;

let token: string;
const DAYS = weekdays("2023-01-02", 300);
const LAST = DAYS.at(-1)!;
const SPIKE = 150;
const wiggle = (i: number) => 100 * (1 + 0.01 * Math.sin(i)) * (i === SPIKE ? 1.2 : 1);
/** Wilder's RSI over the whole series, written out here (test-only) as the independent reference. */
function wilderRsi(closes: number[], n: number): (number | null)[] {
  const out: (number | null)[] = closes.map(() => null);
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < closes.length; i++) {
    const d = (closes[i] as number) - (closes[i - 1] as number);
    if (i <= n) {
      gain += Math.max(d, 0) / n;
      loss += Math.max(-d, 0) / n;
    } else {
      gain = (gain * (n - 1) + Math.max(d, 0)) / n;
      loss = (loss * (n - 1) + Math.max(-d, 0)) / n;
    }
    if (i >= n) out[i] = loss === 0 ? 100 : 100 - 100 / (1 + gain / loss);
  }
  return out;
}

beforeAll(async () => {
  token = (await userToken()).token;
  const ids = await insertAssets([
    { symbol: "LIN", name: "Linear" },
    { symbol: "DBL", name: "Double" },
    { symbol: "INV", name: "Inverse" },
    { symbol: "WIG", name: "Wiggle" },
  ]);
  await insertBars(ids.get("LIN")!, DAYS, (i) => 100 + i);
  await insertBars(ids.get("DBL")!, DAYS, (i) => 2 * (100 + i));
  await insertBars(ids.get("INV")!, DAYS, (i) => 10000 / (100 + i));
  await insertBars(ids.get("WIG")!, DAYS, wiggle);
});

describe("GET /v1/assets/{symbol}/indicators", () => {
  it("computes an SMA warmed up on history before start", async () => {
    const start = DAYS[100]!;
    const r = await call(`/v1/assets/LIN/indicators?kind=sma&window=5&start=${start}&end=${DAYS[104]}`, { token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ symbol: "LIN", kind: "sma", window: 5 });
    // the SMA(5) of 100+i ending at day i is 100 + i − 2
    expect(r.body.data).toEqual([100, 101, 102, 103, 104].map((k) => ({ date: DAYS[k], value: 100 + k - 2 })));
  });

  it("answers RSI, MACD, Bollinger and ATR shapes", async () => {
    const rsi = await call(`/v1/assets/LIN/indicators?kind=rsi&start=${DAYS[200]}`, { token });
    expect(rsi.body.window).toBe(14);
    expect(rsi.body.data.every((p) => p.value === 100)).toBe(true); // never a loss
    const macd = await call(`/v1/assets/LIN/indicators?kind=macd&start=${DAYS[250]}`, { token });
    expect(macd.body.window).toBeNull();
    expect(macd.body.data[0]!.value).toEqual({
      macd: expect.any(Number),
      signal: expect.any(Number),
      histogram: expect.any(Number),
    });
    const boll = await call(`/v1/assets/LIN/indicators?kind=bollinger&window=5&start=${DAYS[10]}&end=${DAYS[10]}`, {
      token,
    });
    // five consecutive integers: population σ = √2
    expect(bands(boll.body.data[0]!.value).upper - bands(boll.body.data[0]!.value).middle).toBeCloseTo(
      2 * Math.SQRT2,
      9,
    );
    const atr = await call(`/v1/assets/LIN/indicators?kind=atr&start=${DAYS[50]}&end=${DAYS[52]}`, { token });
    expect(atr.body.data).toHaveLength(3);
    expect(atr.body.data[0]!.value).toBeGreaterThan(0);
  });

  it("computes over the whole history: RSI(7) on a date is the same for any start, and Wilder's by hand", async () => {
    const day = DAYS[200]!;
    const reference = wilderRsi(
      DAYS.map((_, i) => wiggle(i)),
      7,
    )[200] as number;
    const seen: number[] = [];
    for (const start of [DAYS[0], DAYS[150], DAYS[199], day, undefined]) {
      const qs = `kind=rsi&window=7&end=${day}${start ? `&start=${start}` : ""}`;
      const r = await call(`/v1/assets/WIG/indicators?${qs}`, { token });
      expect(r.status).toBe(200);
      expect(r.body.data.at(-1)!.date).toBe(day);
      seen.push(r.body.data.at(-1)!.value as number); // an sma answers numbers
    }
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toBeCloseTo(reference, 10);
    // technicalindicators over the same closes (it rounds to 2 places)
    const theirs = RSI.calculate({ period: 7, values: DAYS.map((_, i) => wiggle(i)) });
    expect(seen[0]).toBeCloseTo(theirs[200 - 7] as number, 2);
    // the first sessions of history are the warm-up: null
    const head = await call(`/v1/assets/WIG/indicators?kind=rsi&window=7&start=${DAYS[0]}&end=${DAYS[7]}`, { token });
    expect(head.body.data.map((p: { value: unknown }) => p.value === null)).toEqual([...Array(7).fill(true), false]);
  });

  it("takes macd fast/slow/signal and bollinger k", async () => {
    const r = await call(`/v1/assets/WIG/indicators?kind=macd&fast=5&slow=10&signal=4&start=${DAYS[100]}`, { token });
    expect(r.status).toBe(200);
    expect(r.body.parameters).toEqual({ fast: 5, slow: 10, signal: 4 });
    const theirs = MACD.calculate({
      values: DAYS.map((_, i) => wiggle(i)),
      fastPeriod: 5,
      slowPeriod: 10,
      signalPeriod: 4,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    // technicalindicators' first MACD is on bar slow − 1 = 9
    const t = theirs[100 - 9]!;
    expect(r.body.data[0]!.date).toBe(DAYS[100]);
    expect(macd(r.body.data[0]!.value).macd).toBeCloseTo(t.MACD as number, 9);
    expect(macd(r.body.data[0]!.value).signal).toBeCloseTo(t.signal as number, 9);
    const boll = await call(
      `/v1/assets/LIN/indicators?kind=bollinger&window=5&k=1.5&start=${DAYS[10]}&end=${DAYS[10]}`,
      { token },
    );
    expect(boll.body.parameters).toEqual({ window: 5, k: 1.5 });
    // five consecutive integers: population σ = √2, the band 1.5 σ away
    expect(bands(boll.body.data[0]!.value).upper - bands(boll.body.data[0]!.value).middle).toBeCloseTo(
      1.5 * Math.SQRT2,
      9,
    );
  });

  it.each([
    ["kind=wave", 400],
    ["kind=macd&window=5", 400],
    ["kind=sma&window=0", 400],
    ["kind=sma&window=abc", 400],
    ["window=5", 400],
    ["kind=sma&start=2024-02-01&end=2024-01-01", 400],
    ["kind=sma&start=2024-13-01", 400],
    ["kind=sma&colour=red", 400],
    ["kind=sma&fast=5", 400],
    ["kind=macd&fast=26&slow=12", 400],
    ["kind=rsi&k=2", 400],
    ["kind=bollinger&k=0", 400],
  ])("?%s → %i", async (query, status) => {
    const r = await call(`/v1/assets/LIN/indicators?${query}`, { token });
    expect(r.status).toBe(status);
    expect(r.problem.code).toBe("validation_failed");
  });

  it("answers a start after the latest bar (no end) with an empty series, as prices do; start after end is 400", async () => {
    const later = await call("/v1/assets/LIN/indicators?kind=sma&window=5&start=2099-01-01", { token });
    expect(later.status).toBe(200);
    expect(later.body.data).toEqual([]);
    const crossed = await call(`/v1/assets/LIN/indicators?kind=sma&start=${DAYS[10]}&end=${DAYS[5]}`, { token });
    expect(crossed.status).toBe(400);
    expect(crossed.problem.errors![0]!.path).toBe("start");
    expect((await call("/v1/assets/WIG/anomalies?start=2099-01-01", { token })).body.data).toEqual([]);
  });

  it("answers 404 for an unknown symbol and 401 without credentials", async () => {
    expect((await call("/v1/assets/NOPE/indicators?kind=sma", { token })).status).toBe(404);
    expect((await call("/v1/assets/LIN/indicators?kind=sma")).status).toBe(401);
  });
});

describe("GET /v1/analytics/correlation", () => {
  it("returns a symmetric matrix of daily-return correlations", async () => {
    const r = await call(`/v1/analytics/correlation?symbols=LIN,DBL,INV&start=${DAYS[0]}&end=${LAST}`, { token });
    expect(r.status).toBe(200);
    expect(r.body.symbols).toEqual(["LIN", "DBL", "INV"]);
    expect(r.body.matrix[0]![0]).toBe(1); // exactly: a series with itself
    expect(r.body.matrix[0]![1]).toBeCloseTo(1, 9); // same returns
    expect(r.body.matrix[0]![2]).toBeLessThan(-0.99);
    expect(r.body.matrix[2]![0]).toBe(r.body.matrix[0]![2]);
    expect(r.body.observations[0]![1]).toBe(299);
  });

  it.each([
    ["symbols=LIN", 400],
    ["symbols=LIN,LIN", 400],
    [`symbols=${Array.from({ length: 51 }, (_, i) => `S${i}`).join(",")}`, 400],
    ["symbols=LIN,ZZZ9", 422],
    ["", 400],
  ])("?%s → %i", async (query, status) => {
    const r = await call(`/v1/analytics/correlation?${query}`, { token });
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("GET /v1/assets/{symbol}/anomalies and /regime", () => {
  it("flags the spike day with a score and a reason", async () => {
    const r = await call(`/v1/assets/WIG/anomalies?start=${DAYS[0]}&end=${LAST}`, { token });
    expect(r.status).toBe(200);
    const spike = r.body.data.find(
      (a: { date: string; kind: string }) => a.date === DAYS[SPIKE] && a.kind === "return",
    );
    expect(spike!.score).toBeGreaterThan(3.5);
    expect(spike!.reason).toMatch(/robust σ above/);
    expect(r.body.data.some((a: { kind: string }) => a.kind === "volume")).toBe(false);
  });

  it("answers a day the same whatever range is asked for (scored on the history before it)", async () => {
    type Day = { date: string };
    const full = await call(`/v1/assets/WIG/anomalies?start=${DAYS[0]}&end=${LAST}`, { token });
    for (const [from, to] of [
      [SPIKE, SPIKE],
      [SPIKE - 3, SPIKE + 3],
      [SPIKE, 299],
    ] as const) {
      const part = await call(`/v1/assets/WIG/anomalies?start=${DAYS[from]}&end=${DAYS[to]}`, { token });
      const expected = full.body.data.filter((a: Day) => a.date >= DAYS[from]! && a.date <= DAYS[to]!);
      expect(expected.length).toBeGreaterThan(0);
      expect(part.body.data).toEqual(expected);
    }
    const regimeFull = await call(`/v1/assets/WIG/regime?start=${DAYS[0]}&end=${LAST}`, { token });
    for (const from of [120, 200, 290]) {
      const part = await call(`/v1/assets/WIG/regime?start=${DAYS[from]}&end=${LAST}`, { token });
      expect(part.body.data).toEqual(regimeFull.body.data.filter((d: Day) => d.date >= DAYS[from]!));
    }
  });

  it("labels a steady uptrend bull, with the inputs", async () => {
    const r = await call("/v1/assets/LIN/regime", { token });
    expect(r.status).toBe(200);
    expect(r.body.end).toBe(LAST);
    expect(r.body.data.length).toBeGreaterThan(50);
    expect(new Set(r.body.data.map((d: { regime: string }) => d.regime))).toEqual(new Set(["bull"]));
    expect(r.body.data[0]!.inputs).toMatchObject({
      close: expect.any(Number),
      sma: expect.any(Number),
      sma_slope: expect.any(Number),
    });
    expect((await call("/v1/assets/NOPE/regime", { token })).status).toBe(404);
    expect((await call("/v1/assets/LIN/regime?start=nope", { token })).status).toBe(400);
  });
});
