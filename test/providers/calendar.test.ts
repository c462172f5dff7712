import { describe, expect, it } from "vitest";
import { isTradingDay, marketHolidays, tradingDays } from "../../src/domain/calendar";

describe("US trading calendar (used by the synthetic provider)", () => {
  it("matches the exchanges' published holiday lists", () => {
    expect([...marketHolidays(2024)].sort()).toEqual([
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
  });

  it("moves Saturday holidays to Friday and Sunday ones to Monday, except a Saturday New Year", () => {
    expect(isTradingDay("2026-07-03")).toBe(false); // 4 July 2026 is a Saturday
    expect(isTradingDay("2022-06-20")).toBe(false); // Juneteenth 2022 fell on a Sunday
    expect(isTradingDay("2021-12-31")).toBe(true); // 1 Jan 2022 was a Saturday: no Friday closure
    expect(isTradingDay("2021-06-18")).toBe(true); // Juneteenth closures start in 2022
  });

  it("closes on one-off days of mourning", () => {
    expect(isTradingDay("2025-01-09")).toBe(false);
  });

  it("counts the sessions of whole years as the exchanges do", () => {
    expect(tradingDays("2022-01-01", "2022-12-31")).toHaveLength(251);
    expect(tradingDays("2023-01-01", "2023-12-31")).toHaveLength(250);
    expect(tradingDays("2024-01-01", "2024-12-31")).toHaveLength(252);
  });

  it("excludes weekends and bad dates", () => {
    expect(isTradingDay("2024-06-08")).toBe(false);
    expect(isTradingDay("not-a-date")).toBe(false);
    expect(tradingDays("2024-06-07", "2024-06-10")).toEqual(["2024-06-07", "2024-06-10"]);
    expect(tradingDays("2024-06-10", "2024-06-07")).toEqual([]);
  });
});
