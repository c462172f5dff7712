// firstNotBelow: the insertion point of a value in an ascending list, checked against a linear scan.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstNotBelow } from "../../src/domain/sorted-search";

describe("firstNotBelow", () => {
  it("answers the first index not below the value, the length when every element is below", () => {
    const days = ["2024-01-02", "2024-01-03", "2024-01-05"];
    expect(firstNotBelow(days, "2024-01-01")).toBe(0);
    expect(firstNotBelow(days, "2024-01-03")).toBe(1);
    expect(firstNotBelow(days, "2024-01-04")).toBe(2);
    expect(firstNotBelow(days, "2024-01-06")).toBe(3);
    expect(firstNotBelow([], 1)).toBe(0);
    // Among equal elements, the first of them.
    expect(firstNotBelow([1, 2, 2, 2, 3], 2)).toBe(1);
  });

  it("agrees with a linear scan on any ascending list", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 })), fc.integer({ min: -60, max: 60 }), (xs, v) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const scan = sorted.findIndex((x) => x >= v);
        expect(firstNotBelow(sorted, v)).toBe(scan === -1 ? sorted.length : scan);
      }),
    );
  });
});
