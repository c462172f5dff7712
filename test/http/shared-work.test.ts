// Waiting for another request's work in the isolate by polling on the waiter's own timers (services/shared-work.ts).
import { describe, expect, it } from "vitest";
import { waitWhileBusy } from "../../src/services/shared-work";

describe("waitWhileBusy", () => {
  it("returns as soon as the work is no longer in flight", async () => {
    let busy = true;
    let checks = 0;
    setTimeout(() => {
      busy = false;
    }, 30);
    await waitWhileBusy(() => {
      checks++;
      return busy;
    }, 10_000);
    expect(busy).toBe(false);
    expect(checks).toBeGreaterThan(1);
  });

  it("gives up after its limit so the waiter does the work itself", async () => {
    let checks = 0;
    await waitWhileBusy(() => {
      checks++;
      return true;
    }, 40);
    // Steps of 1, 2, 4, 8, 16, 25 ms: the limit is reached after a bounded number of looks, not one per ms.
    expect(checks).toBeGreaterThan(2);
    expect(checks).toBeLessThan(12);
  });

  it("does not wait when nothing is in flight", async () => {
    let checks = 0;
    await waitWhileBusy(() => {
      checks++;
      return false;
    });
    expect(checks).toBe(1);
  });
});
