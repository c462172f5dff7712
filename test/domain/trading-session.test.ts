import { describe, expect, it } from "vitest";
import {
  daylightSavingSpan,
  marketCalendar,
  marketPhase,
  marketStatus,
  minutesIntoSession,
  newYorkClock,
  nextSessionClose,
  nextSessionOpen,
  sessionClose,
  sessionOpen,
} from "../../src/domain/trading-session";

const at = (iso: string) => minutesIntoSession(new Date(iso));

// New York is UTC-4 (EDT) from the second Sunday of March, UTC-5 (EST) from the first Sunday of November
// (2024: 10 March and 3 November). The session is 09:30–16:00 local.
describe("the regular session across the DST switches", () => {
  it("spring forward (Sunday 2024-03-10): 14:30 UTC opens on the Friday before, 13:30 UTC on the Monday after", () => {
    expect(sessionOpen("2024-03-08").toISOString()).toBe("2024-03-08T14:30:00.000Z");
    expect(sessionOpen("2024-03-11").toISOString()).toBe("2024-03-11T13:30:00.000Z");
    expect(at("2024-03-08T13:30:00Z")).toBeNull();
    expect(at("2024-03-08T14:30:00Z")).toBe(0);
    expect(at("2024-03-08T20:59:00Z")).toBe(389);
    expect(at("2024-03-08T21:00:00Z")).toBeNull();
    expect(at("2024-03-10T15:00:00Z")).toBeNull(); // the switch date itself is a Sunday
    expect(at("2024-03-11T13:29:00Z")).toBeNull();
    expect(at("2024-03-11T13:30:00Z")).toBe(0);
    expect(at("2024-03-11T19:59:00Z")).toBe(389);
    expect(at("2024-03-11T20:00:00Z")).toBeNull();
  });

  it("fall back (Sunday 2024-11-03): 13:30 UTC opens on the Friday before, 14:30 UTC on the Monday after", () => {
    expect(at("2024-11-01T13:30:00Z")).toBe(0);
    expect(at("2024-11-01T20:00:00Z")).toBeNull();
    expect(at("2024-11-03T15:00:00Z")).toBeNull();
    expect(at("2024-11-04T13:30:00Z")).toBeNull();
    expect(at("2024-11-04T14:30:00Z")).toBe(0);
    expect(at("2024-11-04T20:59:00Z")).toBe(389);
    expect(sessionClose("2024-11-04").toISOString()).toBe("2024-11-04T21:00:00.000Z");
  });

  it("is closed on weekends and exchange holidays, open on Fridays", () => {
    expect(at("2024-07-04T15:00:00Z")).toBeNull(); // Independence Day
    expect(at("2024-06-29T15:00:00Z")).toBeNull(); // Saturday
    expect(at("2024-06-28T15:00:00Z")).toBe(90); // Friday, 11:00 EDT
  });
});

// Before 2007 New York kept daylight saving time from the first Sunday of April to the last Sunday of October
// (2006: 2 April and 29 October); since 2007 from the second Sunday of March to the first Sunday of November
// (2007: 11 March and 4 November).
describe("the DST rule before and since 2007", () => {
  it("2006 switched on 2 April and 29 October", () => {
    expect(daylightSavingSpan(2006)).toEqual({
      start: new Date("2006-04-02T07:00:00Z"),
      end: new Date("2006-10-29T06:00:00Z"),
    });
    expect(sessionOpen("2006-03-13").toISOString()).toBe("2006-03-13T14:30:00.000Z"); // would be EDT under today's rule
    expect(sessionOpen("2006-03-31").toISOString()).toBe("2006-03-31T14:30:00.000Z");
    expect(sessionOpen("2006-04-03").toISOString()).toBe("2006-04-03T13:30:00.000Z");
    expect(sessionClose("2006-10-27").toISOString()).toBe("2006-10-27T20:00:00.000Z");
    expect(sessionClose("2006-10-30").toISOString()).toBe("2006-10-30T21:00:00.000Z");
    expect(sessionClose("2006-11-03").toISOString()).toBe("2006-11-03T21:00:00.000Z"); // would be EDT under today's rule
  });

  it("2007 switched on 11 March and 4 November", () => {
    expect(daylightSavingSpan(2007)).toEqual({
      start: new Date("2007-03-11T07:00:00Z"),
      end: new Date("2007-11-04T06:00:00Z"),
    });
    expect(sessionOpen("2007-03-09").toISOString()).toBe("2007-03-09T14:30:00.000Z");
    expect(sessionOpen("2007-03-12").toISOString()).toBe("2007-03-12T13:30:00.000Z");
    expect(sessionClose("2007-11-02").toISOString()).toBe("2007-11-02T20:00:00.000Z");
    expect(sessionClose("2007-11-05").toISOString()).toBe("2007-11-05T21:00:00.000Z");
  });

  it("switches at 02:00 local time: the wall clock skips an hour in March and repeats one in November", () => {
    expect(newYorkClock(new Date("2024-03-10T06:59:00Z"))).toEqual({ date: "2024-03-10", minute: 60 + 59 });
    expect(newYorkClock(new Date("2024-03-10T07:00:00Z"))).toEqual({ date: "2024-03-10", minute: 3 * 60 });
    expect(newYorkClock(new Date("2024-11-03T05:30:00Z"))).toEqual({ date: "2024-11-03", minute: 60 + 30 });
    expect(newYorkClock(new Date("2024-11-03T06:30:00Z"))).toEqual({ date: "2024-11-03", minute: 60 + 30 });
    expect(newYorkClock(new Date("2024-01-02T04:59:00Z"))).toEqual({ date: "2024-01-01", minute: 23 * 60 + 59 });
  });
});

describe("half days close at 13:00 New York", () => {
  it("2024-11-29 (day after Thanksgiving, EST) closes at 18:00 UTC; 2024-07-03 (EDT) at 17:00 UTC", () => {
    expect(sessionOpen("2024-11-29").toISOString()).toBe("2024-11-29T14:30:00.000Z");
    expect(sessionClose("2024-11-29").toISOString()).toBe("2024-11-29T18:00:00.000Z");
    expect(sessionClose("2024-07-03").toISOString()).toBe("2024-07-03T17:00:00.000Z");
    expect(sessionClose("2024-12-24").toISOString()).toBe("2024-12-24T18:00:00.000Z");
    expect(sessionClose("2024-11-27").toISOString()).toBe("2024-11-27T21:00:00.000Z");
  });

  it("ends the session minutes at the early close", () => {
    expect(at("2024-11-29T17:59:00Z")).toBe(209);
    expect(at("2024-11-29T18:00:00Z")).toBeNull();
    expect(at("2024-11-29T20:00:00Z")).toBeNull();
  });

  it("makes a day order placed that afternoon lapse at 13:00, and one placed after it lapse the next session", () => {
    expect(nextSessionClose(new Date("2024-11-29T17:00:00Z")).toISOString()).toBe("2024-11-29T18:00:00.000Z");
    expect(nextSessionClose(new Date("2024-11-29T18:00:00Z")).toISOString()).toBe("2024-12-02T21:00:00.000Z");
    expect(nextSessionClose(new Date("2024-12-24T19:00:00Z")).toISOString()).toBe("2024-12-26T21:00:00.000Z");
  });
});

const status = (iso: string) => {
  const s = marketStatus(new Date(iso));
  return { market: s.market, next_open: s.next_open.toISOString(), next_close: s.next_close.toISOString() };
};

describe("market status at an instant", () => {
  it("a Saturday is closed; the next open is Monday 09:30 New York", () => {
    expect(status("2024-06-29T15:00:00Z")).toEqual({
      market: "closed",
      next_open: "2024-07-01T13:30:00.000Z",
      next_close: "2024-07-01T20:00:00.000Z",
    });
  });

  it("08:00 New York on a trading day is pre-market; the next open and close are that day's", () => {
    expect(status("2024-06-28T12:00:00Z")).toEqual({
      market: "pre",
      next_open: "2024-06-28T13:30:00.000Z",
      next_close: "2024-06-28T20:00:00.000Z",
    });
  });

  it("inside the session it is open: next_close is today's close, next_open the next session's", () => {
    expect(status("2024-06-28T15:00:00Z")).toEqual({
      market: "open",
      next_open: "2024-07-01T13:30:00.000Z",
      next_close: "2024-06-28T20:00:00.000Z",
    });
  });

  it("17:00 New York is after-hours; the next open and close are the next session's", () => {
    expect(status("2024-06-28T21:00:00Z")).toEqual({
      market: "post",
      next_open: "2024-07-01T13:30:00.000Z",
      next_close: "2024-07-01T20:00:00.000Z",
    });
  });

  it("14:00 New York on the half day 2024-11-29 is after-hours, which ends at 17:00", () => {
    expect(status("2024-11-29T19:00:00Z")).toEqual({
      market: "post",
      next_open: "2024-12-02T14:30:00.000Z",
      next_close: "2024-12-02T21:00:00.000Z",
    });
    expect(marketPhase(new Date("2024-11-29T17:59:59Z"))).toBe("open");
    expect(marketPhase(new Date("2024-11-29T18:00:00Z"))).toBe("post");
    expect(marketPhase(new Date("2024-11-29T21:59:59Z"))).toBe("post");
    expect(marketPhase(new Date("2024-11-29T22:00:00Z"))).toBe("closed");
  });

  it("Good Friday is closed all day, pre-market and after-hours included", () => {
    for (const t of ["2024-03-29T09:00:00Z", "2024-03-29T15:00:00Z", "2024-03-29T21:00:00Z"]) {
      expect(status(t)).toEqual({
        market: "closed",
        next_open: "2024-04-01T13:30:00.000Z",
        next_close: "2024-04-01T20:00:00.000Z",
      });
    }
  });

  it("Christmas Eve's half day leads to the 26th (Christmas is closed)", () => {
    expect(status("2024-12-24T18:30:00Z")).toEqual({
      market: "post",
      next_open: "2024-12-26T14:30:00.000Z",
      next_close: "2024-12-26T21:00:00.000Z",
    });
  });

  it("takes each phase's start and not its end (New York, EDT)", () => {
    const phase = (iso: string) => marketPhase(new Date(iso));
    expect(phase("2024-06-28T07:59:59Z")).toBe("closed"); // 03:59:59
    expect(phase("2024-06-28T08:00:00Z")).toBe("pre"); // 04:00
    expect(phase("2024-06-28T13:29:59Z")).toBe("pre");
    expect(phase("2024-06-28T13:30:00Z")).toBe("open"); // 09:30
    expect(phase("2024-06-28T19:59:59Z")).toBe("open");
    expect(phase("2024-06-28T20:00:00Z")).toBe("post"); // 16:00
    expect(phase("2024-06-28T23:59:59Z")).toBe("post");
    expect(phase("2024-06-29T00:00:00Z")).toBe("closed"); // 20:00
    expect(phase("2024-06-28T03:00:00Z")).toBe("closed"); // 23:00 the night before
  });

  it("next_open is strictly after the instant: at 09:30 itself the session is open and the next open is tomorrow's", () => {
    expect(status("2024-06-27T13:30:00Z")).toEqual({
      market: "open",
      next_open: "2024-06-28T13:30:00.000Z",
      next_close: "2024-06-27T20:00:00.000Z",
    });
    expect(nextSessionOpen(new Date("2024-06-27T13:29:59.999Z")).toISOString()).toBe("2024-06-27T13:30:00.000Z");
  });

  it("follows the DST switch: the Friday before opens 14:30 UTC, the Monday after 13:30 UTC", () => {
    expect(status("2024-03-08T21:30:00Z")).toEqual({
      market: "post",
      next_open: "2024-03-11T13:30:00.000Z",
      next_close: "2024-03-11T20:00:00.000Z",
    });
    expect(status("2024-11-02T12:00:00Z").next_open).toBe("2024-11-04T14:30:00.000Z");
  });

  it("reaches over the longest closure since 2000 (11–14 September 2001)", () => {
    expect(status("2001-09-11T14:00:00Z")).toEqual({
      market: "closed",
      next_open: "2001-09-17T13:30:00.000Z",
      next_close: "2001-09-17T20:00:00.000Z",
    });
  });
});

describe("the calendar of a range", () => {
  it("lists sessions with their open and close, holidays and half days of late November 2024", () => {
    const cal = marketCalendar("2024-11-27", "2024-12-02");
    expect(cal.trading_days.map((d) => [d.date, d.open.toISOString(), d.close.toISOString(), d.early_close])).toEqual([
      ["2024-11-27", "2024-11-27T14:30:00.000Z", "2024-11-27T21:00:00.000Z", false],
      ["2024-11-29", "2024-11-29T14:30:00.000Z", "2024-11-29T18:00:00.000Z", true],
      ["2024-12-02", "2024-12-02T14:30:00.000Z", "2024-12-02T21:00:00.000Z", false],
    ]);
    expect(cal.holidays).toEqual([{ date: "2024-11-28", name: "Thanksgiving Day" }]);
    expect(cal.early_closes).toEqual([
      { date: "2024-11-29", name: "Day after Thanksgiving", close: new Date("2024-11-29T18:00:00Z") },
    ]);
  });

  it("spans years: 2023 and 2024 whole", () => {
    const cal = marketCalendar("2023-01-01", "2024-12-31");
    expect(cal.trading_days).toHaveLength(250 + 252);
    expect(cal.holidays).toHaveLength(20);
    expect(cal.early_closes.map((d) => d.date)).toEqual([
      "2023-07-03",
      "2023-11-24",
      "2024-07-03",
      "2024-11-29",
      "2024-12-24",
    ]);
    expect(cal.trading_days.filter((d) => d.early_close).map((d) => d.date)).toEqual(
      cal.early_closes.map((d) => d.date),
    );
  });

  it("is empty over a weekend, and cuts holidays to the range", () => {
    expect(marketCalendar("2024-06-29", "2024-06-30")).toEqual({ trading_days: [], holidays: [], early_closes: [] });
    expect(marketCalendar("2024-12-24", "2024-12-24").holidays).toEqual([]);
  });
});
