import { describe, expect, it } from "vitest";
import { slices } from "../../src/domain/slices";

describe("slices", () => {
  it("cuts in order into parts of at most the size, the last one shorter", () => {
    expect(slices([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });
  it("an exact multiple leaves no empty part", () => {
    expect(slices(["a", "b", "c", "d"], 2)).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
  });
  it("nothing to cut gives no part", () => {
    expect(slices([], 5)).toEqual([]);
  });
  it("a size larger than the list gives the list whole, as a copy", () => {
    const items = [1, 2];
    const [part] = slices(items, 10);
    expect(part).toEqual([1, 2]);
    expect(part).not.toBe(items);
  });
  it("a size below 1 or fractional never loops forever: it counts as at least 1, rounded down", () => {
    expect(slices([1, 2, 3], 0)).toEqual([[1], [2], [3]]);
    expect(slices([1, 2, 3], -4)).toEqual([[1], [2], [3]]);
    expect(slices([1, 2, 3, 4, 5], 2.7)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
