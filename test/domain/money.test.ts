import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bpsOfMinor, fromMinor, notionalMinor, roundHalfEven, toMinor } from "../../src/domain/money";

describe("money in minor units", () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-2.5, -2],
    [-3.5, -4],
    [2.4999, 2],
    [2.5001, 3],
  ])("rounds %d half to even → %d", (x, expected) => {
    expect(roundHalfEven(x)).toBe(expected);
  });

  it("converts to cents as the decimal is written, not as the float is stored", () => {
    // 1.005 is stored as 1.00499999999999989… but is meant as a half-cent: half-even → 100
    expect(toMinor(1.005)).toBe(100);
    expect(toMinor(1.015)).toBe(102);
    expect(toMinor(12.345)).toBe(1234);
    expect(toMinor(12.355)).toBe(1236);
    expect(toMinor(0.1 + 0.2)).toBe(30);
    expect(toMinor(-0.001)).toBe(0);
    expect(Object.is(toMinor(-0.001), -0)).toBe(false);
  });

  it("converts back for display", () => {
    expect(fromMinor(12345)).toBe(123.45);
    expect(() => fromMinor(1.5)).toThrow(RangeError);
  });

  it("rounds a notional once: qty × price → cents", () => {
    // 3 × 33.333 = 99.999 → 10000 cents; 0.5 × 0.01 = 0.005 → half-even → 0
    expect(notionalMinor(3, 33.333)).toBe(10_000);
    expect(notionalMinor(0.5, 0.01)).toBe(0);
    expect(notionalMinor(1.5, 0.01)).toBe(2);
    expect(() => notionalMinor(1, Number.NaN)).toThrow(RangeError);
  });

  it("charges basis points on a minor amount", () => {
    // 10 bps of $9,900.00 = $9.90; 1 bp of $1.50 = 0.015 cents → 0
    expect(bpsOfMinor(990_000, 10)).toBe(990);
    expect(bpsOfMinor(150, 1)).toBe(0);
    expect(() => bpsOfMinor(100, -1)).toThrow(RangeError);
  });

  it("round-trips every cent amount exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (minor) => {
        expect(toMinor(fromMinor(minor))).toBe(minor);
      }),
    );
  });
});
