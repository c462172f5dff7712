// Finding 8: search with up to 64 characters (over D1's 50-byte LIKE limit) works, and LIKE metacharacters are literal.
import { beforeAll, describe, expect, it } from "vitest";
import { call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";

let token: string;
beforeAll(async () => {
  await insertAssets([
    { symbol: "PCT", name: "100% Pure_Growth Fund" },
    { symbol: "LONG", name: `The ${"Very ".repeat(11)}Long Name Company` },
    { symbol: "OTHR", name: "Other Holdings" },
  ]);
  ({ token } = await userToken());
});
const search = (q: string) => call(`/v1/assets?search=${encodeURIComponent(q)}`, { token });

describe("asset search", () => {
  it.each([49, 50, 51, 63, 64])("answers 200 for a %i-character term", async (n) => {
    const r = await search("x".repeat(n));
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([]);
  });

  it("finds a 64-character substring of a long name", async () => {
    const name = `The ${"Very ".repeat(11)}Long Name Company`;
    const term = name.slice(3, 67);
    expect(term).toHaveLength(64);
    const r = await search(term);
    expect(r.status).toBe(200);
    expect(r.body.data.map((a) => a.symbol)).toEqual(["LONG"]);
  });

  it("treats % and _ as themselves, not wildcards", async () => {
    expect((await search("%")).body.data.map((a) => a.symbol)).toEqual(["PCT"]);
    expect((await search("_")).body.data.map((a) => a.symbol)).toEqual(["PCT"]);
    expect((await search("o%h")).body.data).toEqual([]);
    expect((await search("e_growth")).body.data.map((a) => a.symbol)).toEqual(["PCT"]);
  });

  it("refuses 65 characters with 400 naming the field", async () => {
    const r = await search("x".repeat(65));
    expect(r.status).toBe(400);
    expect(r.problem.errors![0]!.path).toBe("search");
  });
});
