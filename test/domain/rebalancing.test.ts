import { describe, expect, it } from "vitest";
import { rebalanceDates, rebalancePeriod } from "../../src/domain/rebalancing";

const days = [
  "2023-12-28",
  "2023-12-29",
  "2024-01-02", // Jan 1 is a holiday: first trading day of January and of Q1 and of 2024
  "2024-01-03",
  "2024-01-31",
  "2024-02-01",
  "2024-02-29",
  "2024-03-01",
  "2024-04-01",
  "2024-04-02",
  "2024-07-01",
  "2025-01-02",
];

describe("rebalance dates", () => {
  it("rebalances on the base date, then on the first trading day of each month", () => {
    expect(rebalanceDates(days, "monthly", "2024-01-03")).toEqual([
      "2024-01-03",
      "2024-02-01",
      "2024-03-01",
      "2024-04-01",
      "2024-07-01",
      "2025-01-02",
    ]);
  });

  it("rebalances quarterly on the first session of each quarter", () => {
    expect(rebalanceDates(days, "quarterly", "2023-12-28")).toEqual([
      "2023-12-28",
      "2024-01-02",
      "2024-04-01",
      "2024-07-01",
      "2025-01-02",
    ]);
  });

  it("rebalances annually on the first session of each year", () => {
    expect(rebalanceDates(days, "annually", "2024-02-01")).toEqual(["2024-02-01", "2025-01-02"]);
  });

  it("rebalances only on the base date when the frequency is none", () => {
    expect(rebalanceDates(days, "none", "2024-01-02")).toEqual(["2024-01-02"]);
  });

  it("moves a base date that is not a trading day to the next session", () => {
    // 2024-01-01 is a holiday → 2024-01-02; the next month's first session follows
    expect(rebalanceDates(days, "monthly", "2024-01-01").slice(0, 2)).toEqual(["2024-01-02", "2024-02-01"]);
  });

  it("returns nothing when the base date is after the last trading day", () => {
    expect(rebalanceDates(days, "monthly", "2026-01-01")).toEqual([]);
    expect(rebalanceDates([], "monthly", "2024-01-01")).toEqual([]);
  });

  it("refuses an unsorted or duplicated calendar", () => {
    expect(() => rebalanceDates(["2024-01-03", "2024-01-02"], "monthly", "2024-01-01")).toThrow(RangeError);
    expect(() => rebalanceDates(["2024-01-02", "2024-01-02"], "monthly", "2024-01-01")).toThrow(RangeError);
  });

  it("names periods by month, quarter and year", () => {
    expect(rebalancePeriod("2024-05-17", "monthly")).toBe("2024-05");
    expect(rebalancePeriod("2024-03-31", "quarterly")).toBe("2024-Q1");
    expect(rebalancePeriod("2024-04-01", "quarterly")).toBe("2024-Q2");
    expect(rebalancePeriod("2024-12-31", "quarterly")).toBe("2024-Q4");
    expect(rebalancePeriod("2024-12-31", "annually")).toBe("2024");
  });
});
