// GET /v1/market/status and /v1/market/calendar through the real Worker: credentials, shapes, the field each refusal names.
import { beforeAll, describe, expect, it } from "vitest";
import { call, userToken } from "../helpers/http";

let token: string;
beforeAll(async () => {
  token = (await userToken()).token;
});

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

describe("GET /v1/market/status", () => {
  it("needs a credential", async () => {
    const r = await call("/v1/market/status");
    expect(r.status).toBe(401);
    expect(r.problem.code).toBe("unauthorized");
    expect(r.headers.get("ratelimit-limit")).toBeTruthy();
  });

  it("answers now: a phase, the next open and close after it, RFC 3339 UTC, cacheable only briefly", async () => {
    const before = Date.now();
    const r = await call("/v1/market/status", { token });
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["as_of", "market", "next_close", "next_open"]);
    expect(["open", "closed", "pre", "post"]).toContain(r.body.market);
    for (const t of [r.body.as_of, r.body.next_open, r.body.next_close]) expect(t).toMatch(RFC3339_UTC);
    const asOf = Date.parse(r.body.as_of);
    expect(asOf).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(r.body.next_open)).toBeGreaterThan(asOf);
    expect(Date.parse(r.body.next_close)).toBeGreaterThan(asOf);
    expect(r.headers.get("cache-control")).toBe("private, max-age=5, s-maxage=0");
    expect(r.headers.get("etag")).toBeTruthy();
  });

  it("answers for ?at=: 14:00 New York on the half day 2024-11-29 is after-hours", async () => {
    const r = await call("/v1/market/status?at=2024-11-29T14:00:00-05:00", { token });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      market: "post",
      next_open: "2024-12-02T14:30:00.000Z",
      next_close: "2024-12-02T21:00:00.000Z",
      as_of: "2024-11-29T19:00:00.000Z",
    });
  });

  it("a Saturday is closed until Monday's open; a weekday morning is pre-market", async () => {
    const sat = await call("/v1/market/status?at=2024-06-29T15:00:00Z", { token });
    expect(sat.body).toMatchObject({ market: "closed", next_open: "2024-07-01T13:30:00.000Z" });
    const pre = await call("/v1/market/status?at=2024-06-28T12:00:00Z", { token });
    expect(pre.body).toMatchObject({ market: "pre", next_open: "2024-06-28T13:30:00.000Z" });
  });

  it("refuses a malformed or unsupported ?at= with 400 naming at, and an unknown parameter by name", async () => {
    for (const bad of [
      "tomorrow",
      "2024-11-29",
      "2024-11-29T25:00:00Z",
      "1999-12-31T12:00:00Z",
      "2101-01-01T00:00:00Z",
      "2000-01-01T03:00:00+05:00", // written in 2000, 1999-12-31T22:00Z in UTC
    ]) {
      const r = await call(`/v1/market/status?at=${encodeURIComponent(bad)}`, { token });
      expect(r.status, bad).toBe(400);
      expect(r.problem.code).toBe("validation_failed");
      expect(
        r.problem.errors?.map((e) => e.path),
        bad,
      ).toEqual(["at"]);
    }
    // Written in 1999, in range in UTC (2000-01-01T04:30Z): answered.
    const edge = await call(`/v1/market/status?at=${encodeURIComponent("1999-12-31T23:30:00-05:00")}`, { token });
    expect(edge.status).toBe(200);
    expect(edge.body.as_of).toBe("2000-01-01T04:30:00.000Z");
    const extra = await call("/v1/market/status?when=now", { token });
    expect(extra.status).toBe(400);
    expect(extra.problem.errors?.[0]?.path).toBe("when");
  });

  it("trims with ?fields=", async () => {
    const r = await call("/v1/market/status?at=2024-06-28T15:00:00Z&fields=market", { token });
    expect(r.body).toEqual({ market: "open" });
  });
});

describe("GET /v1/market/calendar", () => {
  it("needs a credential", async () => {
    const r = await call("/v1/market/calendar?start=2024-01-01&end=2024-01-31");
    expect(r.status).toBe(401);
  });

  it("lists the sessions, holidays and half days of a range", async () => {
    const r = await call("/v1/market/calendar?start=2024-11-27&end=2024-12-02", { token });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      start: "2024-11-27",
      end: "2024-12-02",
      timezone: "America/New_York",
      trading_days: [
        { date: "2024-11-27", open: "2024-11-27T14:30:00.000Z", close: "2024-11-27T21:00:00.000Z", early_close: false },
        { date: "2024-11-29", open: "2024-11-29T14:30:00.000Z", close: "2024-11-29T18:00:00.000Z", early_close: true },
        { date: "2024-12-02", open: "2024-12-02T14:30:00.000Z", close: "2024-12-02T21:00:00.000Z", early_close: false },
      ],
      holidays: [{ date: "2024-11-28", name: "Thanksgiving Day" }],
      early_closes: [{ date: "2024-11-29", close: "2024-11-29T18:00:00.000Z", name: "Day after Thanksgiving" }],
    });
    expect(r.headers.get("cache-control")).toMatch(/^private, max-age=\d+/);
  });

  it("covers a whole year as the exchange publishes it (2024: 252 sessions, 10 holidays, 3 half days)", async () => {
    const r = await call("/v1/market/calendar?start=2024-01-01&end=2024-12-31", { token });
    expect(r.body.trading_days).toHaveLength(252);
    expect(r.body.holidays.map((h) => h.date)).toEqual([
      "2024-01-01",
      "2024-01-15",
      "2024-02-19",
      "2024-03-29",
      "2024-05-27",
      "2024-06-19",
      "2024-07-04",
      "2024-09-02",
      "2024-11-28",
      "2024-12-25",
    ]);
    expect(r.body.early_closes.map((h) => h.date)).toEqual(["2024-07-03", "2024-11-29", "2024-12-24"]);
  });

  it("does not list a Saturday New Year's Day (2022), which the exchange does not observe", async () => {
    const r = await call("/v1/market/calendar?start=2021-12-30&end=2022-01-04", { token });
    expect(r.body.holidays).toEqual([]);
    expect(r.body.trading_days.map((d) => d.date)).toEqual(["2021-12-30", "2021-12-31", "2022-01-03", "2022-01-04"]);
  });

  it("defaults to today (UTC date) through 365 days later", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await call("/v1/market/calendar", { token });
    expect(r.status, r.text).toBe(200);
    expect(r.body.start).toBe(today);
    expect(r.body.end).toBe(new Date(Date.parse(`${today}T00:00:00Z`) + 365 * 86_400_000).toISOString().slice(0, 10));
    expect(r.body.trading_days.length).toBeGreaterThan(245);
  });

  it("refuses an end before the start, or a range over 3,660 days, naming end", async () => {
    for (const q of ["start=2024-06-02&end=2024-06-01", "start=2000-01-01&end=2010-01-09", "end=2000-01-03"]) {
      const r = await call(`/v1/market/calendar?${q}`, { token });
      expect(r.status, q).toBe(400);
      expect(r.problem.code).toBe("validation_failed");
      expect(
        r.problem.errors?.map((e) => e.path),
        q,
      ).toEqual(["end"]);
    }
    expect((await call("/v1/market/calendar?start=2000-01-01&end=2010-01-08", { token })).status).toBe(200);
  });

  it("refuses dates outside 2000–2100 or malformed, naming the field", async () => {
    const cases: Array<[string, string]> = [
      ["start=1999-12-31&end=2000-01-05", "start"],
      ["start=2100-12-01&end=2101-01-01", "end"],
      ["start=2024-02-30", "start"],
      ["start=2024-1-02", "start"],
      ["end=soon", "end"],
    ];
    for (const [q, field] of cases) {
      const r = await call(`/v1/market/calendar?${q}`, { token });
      expect(r.status, q).toBe(400);
      expect(
        r.problem.errors?.map((e) => e.path),
        q,
      ).toEqual([field]);
    }
  });
});
