import { describe, expect, it } from "vitest";
import { minutesIntoSession, sessionClose, sessionOpen } from "../../src/domain/trading-session";

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
