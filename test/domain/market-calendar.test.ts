// The calendar against the exchange's own publications: NYSE's holiday and early-close tables (nyse.com,
// "Holidays & Trading Hours") for 2021–2027, and the one-off closures since 2000 as NYSE announced them.
import { describe, expect, it } from "vitest";
import {
  calendarWindow,
  earlyCloseOf,
  isTradingDay,
  marketEarlyCloses,
  marketHolidayList,
  marketHolidays,
  previousTradingDay,
  tradingDays,
} from "../../src/domain/calendar";

const dates = (days: readonly { date: string }[]) => days.map((d) => d.date);

// Written out from NYSE's published tables, not computed.
const PUBLISHED: Record<number, { closed: string[]; early: string[] }> = {
  2021: {
    closed: ["01-01", "01-18", "02-15", "04-02", "05-31", "07-05", "09-06", "11-25", "12-24"],
    early: ["11-26"],
  },
  2022: {
    closed: ["01-17", "02-21", "04-15", "05-30", "06-20", "07-04", "09-05", "11-24", "12-26"],
    early: ["11-25"],
  },
  2023: {
    closed: ["01-02", "01-16", "02-20", "04-07", "05-29", "06-19", "07-04", "09-04", "11-23", "12-25"],
    early: ["07-03", "11-24"],
  },
  2024: {
    closed: ["01-01", "01-15", "02-19", "03-29", "05-27", "06-19", "07-04", "09-02", "11-28", "12-25"],
    early: ["07-03", "11-29", "12-24"],
  },
  2025: {
    closed: ["01-01", "01-09", "01-20", "02-17", "04-18", "05-26", "06-19", "07-04", "09-01", "11-27", "12-25"],
    early: ["07-03", "11-28", "12-24"],
  },
  2026: {
    closed: ["01-01", "01-19", "02-16", "04-03", "05-25", "06-19", "07-03", "09-07", "11-26", "12-25"],
    early: ["11-27", "12-24"],
  },
  2027: {
    closed: ["01-01", "01-18", "02-15", "03-26", "05-31", "06-18", "07-05", "09-06", "11-25", "12-24"],
    early: ["11-26"],
  },
};

const REGULAR = new Set([
  "New Year's Day",
  "Martin Luther King Jr. Day",
  "Washington's Birthday",
  "Good Friday",
  "Memorial Day",
  "Juneteenth National Independence Day",
  "Independence Day",
  "Labor Day",
  "Thanksgiving Day",
  "Christmas Day",
]);

describe("full-day holidays", () => {
  for (const [year, { closed }] of Object.entries(PUBLISHED)) {
    it(`${year}: the days NYSE publishes as closed, in order`, () => {
      expect(dates(marketHolidayList(Number(year)))).toEqual(closed.map((d) => `${year}-${d}`));
      expect([...marketHolidays(Number(year))].sort()).toEqual(closed.map((d) => `${year}-${d}`));
      for (const d of closed) expect(isTradingDay(`${year}-${d}`), `${year}-${d}`).toBe(false);
    });
  }

  it("names each holiday as the exchange does, marking the observed ones", () => {
    expect(marketHolidayList(2026)).toEqual([
      { date: "2026-01-01", name: "New Year's Day" },
      { date: "2026-01-19", name: "Martin Luther King Jr. Day" },
      { date: "2026-02-16", name: "Washington's Birthday" },
      { date: "2026-04-03", name: "Good Friday" },
      { date: "2026-05-25", name: "Memorial Day" },
      { date: "2026-06-19", name: "Juneteenth National Independence Day" },
      { date: "2026-07-03", name: "Independence Day (observed)" },
      { date: "2026-09-07", name: "Labor Day" },
      { date: "2026-11-26", name: "Thanksgiving Day" },
      { date: "2026-12-25", name: "Christmas Day" },
    ]);
    expect(marketHolidayList(2023)[0]).toEqual({ date: "2023-01-02", name: "New Year's Day (observed)" });
    expect(marketHolidayList(2022).find((d) => d.date === "2022-06-20")?.name).toBe(
      "Juneteenth National Independence Day (observed)",
    );
    expect(marketHolidayList(2021).at(-1)).toEqual({ date: "2021-12-24", name: "Christmas Day (observed)" });
  });

  it("lists only weekdays: a Saturday New Year's Day is no holiday, and the Friday before it trades", () => {
    for (let year = 2000; year <= 2100; year++) {
      for (const d of marketHolidayList(year)) expect([0, 6], d.date).not.toContain(new Date(d.date).getUTCDay());
    }
    expect(dates(marketHolidayList(2022)).some((d) => d.endsWith("-01-01"))).toBe(false);
    expect(isTradingDay("2021-12-31")).toBe(true);
    expect(dates(marketHolidayList(2010))).not.toContain("2010-12-31");
    expect(isTradingDay("2010-12-31")).toBe(true);
  });

  it("observes Juneteenth only from 2022", () => {
    expect(dates(marketHolidayList(2021)).some((d) => d.slice(5, 7) === "06")).toBe(false);
    expect(isTradingDay("2021-06-18")).toBe(true);
    expect(dates(marketHolidayList(2022))).toContain("2022-06-20");
  });

  it("closes on the one-off days since 2000, with their reasons", () => {
    const special = (year: number) =>
      marketHolidayList(year).filter((d) => !REGULAR.has(d.name.replace(" (observed)", "")));
    expect(special(2001)).toEqual(
      ["2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14"].map((date) => ({ date, name: "September 11 attacks" })),
    );
    expect(special(2004)).toEqual([
      { date: "2004-06-11", name: "National Day of Mourning for President Ronald Reagan" },
    ]);
    expect(special(2007)).toEqual([
      { date: "2007-01-02", name: "National Day of Mourning for President Gerald R. Ford" },
    ]);
    expect(special(2012)).toEqual([
      { date: "2012-10-29", name: "Hurricane Sandy" },
      { date: "2012-10-30", name: "Hurricane Sandy" },
    ]);
    expect(special(2018)).toEqual([
      { date: "2018-12-05", name: "National Day of Mourning for President George H. W. Bush" },
    ]);
    expect(special(2025)).toEqual([
      { date: "2025-01-09", name: "National Day of Mourning for President Jimmy Carter" },
    ]);
    expect(tradingDays("2001-09-10", "2001-09-17")).toEqual(["2001-09-10", "2001-09-17"]);
  });

  it("finds Good Friday from Easter across the supported years", () => {
    // Easter Sundays from the published tables (e.g. the US Naval Observatory's).
    const goodFridays = {
      2000: "2000-04-21",
      2008: "2008-03-21",
      2011: "2011-04-22",
      2019: "2019-04-19",
      2038: "2038-04-23",
      2100: "2100-03-26",
    };
    for (const [year, date] of Object.entries(goodFridays)) {
      expect(marketHolidayList(Number(year)).find((d) => d.name === "Good Friday")?.date).toBe(date);
    }
  });

  it("counts the sessions of whole years as the exchange does", () => {
    expect(tradingDays("2021-01-01", "2021-12-31")).toHaveLength(252);
    expect(tradingDays("2022-01-01", "2022-12-31")).toHaveLength(251);
    expect(tradingDays("2023-01-01", "2023-12-31")).toHaveLength(250);
    expect(tradingDays("2024-01-01", "2024-12-31")).toHaveLength(252);
    expect(tradingDays("2025-01-01", "2025-12-31")).toHaveLength(250);
  });
});

describe("half days (13:00 New York)", () => {
  for (const [year, { early }] of Object.entries(PUBLISHED)) {
    it(`${year}: the early closes NYSE publishes`, () => {
      expect(dates(marketEarlyCloses(Number(year)))).toEqual(early.map((d) => `${year}-${d}`));
    });
  }

  it("names them, and says null for a full day, a holiday and a weekend", () => {
    expect(marketEarlyCloses(2024)).toEqual([
      { date: "2024-07-03", name: "Day before Independence Day" },
      { date: "2024-11-29", name: "Day after Thanksgiving" },
      { date: "2024-12-24", name: "Christmas Eve" },
    ]);
    expect(earlyCloseOf("2024-11-29")).toBe("Day after Thanksgiving");
    expect(earlyCloseOf("2024-11-27")).toBeNull();
    expect(earlyCloseOf("2026-07-03")).toBeNull(); // a holiday (Independence Day observed)
    expect(earlyCloseOf("2022-12-24")).toBeNull(); // a Saturday
    expect(earlyCloseOf("2022-07-03")).toBeNull(); // a Sunday
    expect(earlyCloseOf("not-a-date")).toBeNull();
  });

  it("is always a trading day, and there is one after every Thanksgiving", () => {
    for (let year = 2000; year <= 2100; year++) {
      const early = marketEarlyCloses(year);
      for (const d of early) expect(isTradingDay(d.date), d.date).toBe(true);
      expect(
        early.some((d) => d.name === "Day after Thanksgiving"),
        String(year),
      ).toBe(true);
    }
  });
});

describe("the range a calendar request asks for", () => {
  const today = "2024-06-15";

  it("defaults to today through 365 days later", () => {
    expect(calendarWindow({}, today)).toEqual({ ok: true, start: "2024-06-15", end: "2025-06-15" });
    expect(calendarWindow({ start: "2023-01-01" }, today)).toEqual({
      ok: true,
      start: "2023-01-01",
      end: "2024-01-01",
    });
    expect(calendarWindow({ end: "2024-07-01" }, today)).toEqual({ ok: true, start: "2024-06-15", end: "2024-07-01" });
  });

  it("keeps the default end within the supported years", () => {
    expect(calendarWindow({ start: "2100-06-01" }, today)).toEqual({
      ok: true,
      start: "2100-06-01",
      end: "2100-12-31",
    });
  });

  it("takes a single day, and up to 3,660 days", () => {
    expect(calendarWindow({ start: "2024-01-02", end: "2024-01-02" }, today).ok).toBe(true);
    expect(calendarWindow({ start: "2000-01-01", end: "2010-01-08" }, today)).toEqual({
      ok: true,
      start: "2000-01-01",
      end: "2010-01-08", // 3,660 days after the start
    });
  });

  it("refuses an end before the start, or more than 3,660 days after it, naming end", () => {
    expect(calendarWindow({ start: "2024-01-02", end: "2024-01-01" }, today)).toMatchObject({ ok: false, path: "end" });
    expect(calendarWindow({ end: "2024-06-14" }, today)).toMatchObject({ ok: false, path: "end" });
    expect(calendarWindow({ start: "2000-01-01", end: "2010-01-09" }, today)).toMatchObject({
      ok: false,
      path: "end",
      message: "must be at most 3660 days after start",
    });
  });

  it("refuses a default start outside the supported years, naming start", () => {
    expect(calendarWindow({}, "2101-01-01")).toMatchObject({ ok: false, path: "start" });
    expect(calendarWindow({}, "1999-12-31")).toMatchObject({ ok: false, path: "start" });
  });
});

describe("previousTradingDay", () => {
  it("steps back over weekends, holidays and special closures", () => {
    expect(previousTradingDay("2024-01-30")).toBe("2024-01-29"); // Tuesday → Monday
    expect(previousTradingDay("2024-01-29")).toBe("2024-01-26"); // Monday → Friday
    expect(previousTradingDay("2024-04-01")).toBe("2024-03-28"); // over Good Friday 2024-03-29
    expect(previousTradingDay("2024-01-02")).toBe("2023-12-29"); // over New Year's Day
    expect(previousTradingDay("2025-01-10")).toBe("2025-01-08"); // over the Carter closure 2025-01-09
  });
});
