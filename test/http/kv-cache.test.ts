// KV as the edge really behaves: one write per key per second (a second write answers 429), sometimes down.
// A cache fill that fails never fails the read, and concurrent misses on one key write it once.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { bumpVersion, readThrough } from "../../src/services/cache";
import { userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";

/** The real KV binding behind KV's per-key write limit: a write to a key written less than a second ago throws. */
function limitedKv(opts: { failEveryWrite?: boolean; failReads?: boolean } = {}) {
  const lastWrite = new Map<string, number>();
  const writes: string[] = [];
  const refused: string[] = [];
  const kv = {
    get: (...args: Parameters<KVNamespace["get"]>) => {
      if (opts.failReads) return Promise.reject(new Error("KV GET failed: 503 Service Unavailable"));
      return (env.CACHE.get as (...a: unknown[]) => Promise<unknown>)(...args);
    },
    put: async (key: string, value: string, options?: KVNamespacePutOptions) => {
      const now = Date.now();
      if (opts.failEveryWrite || now - (lastWrite.get(key) ?? Number.NEGATIVE_INFINITY) < 1000) {
        refused.push(key);
        throw new Error(`KV PUT failed: 429 Too Many Requests`);
      }
      lastWrite.set(key, now);
      writes.push(key);
      return env.CACHE.put(key, value, options);
    },
  } as unknown as KVNamespace;
  return { kv, writes, refused };
}

describe("the KV read-through cache", () => {
  it("answers from the source when every cache fill is refused with 429", async () => {
    const { kv, refused } = limitedKv({ failEveryWrite: true });
    const got = await readThrough(kv, "assets", `k-${crypto.randomUUID()}`, 60, async () => ({ n: 42 }));
    expect(got).toEqual({ value: { n: 42 }, hit: false });
    expect(refused).toHaveLength(1);
  });

  it("answers from the source when KV reads fail", async () => {
    const { kv } = limitedKv({ failReads: true });
    expect(await readThrough(kv, "assets", "k-down", 60, async () => "fresh")).toEqual({ value: "fresh", hit: false });
  });

  it("coalesces concurrent misses on one key into one load and one write", async () => {
    const { kv, writes, refused } = limitedKv();
    const key = `hot-${crypto.randomUUID()}`;
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { quote: 101.5 };
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => readThrough(kv, "quotes", key, 60, load)));
    expect(answers.every((a) => a.value.quote === 101.5)).toBe(true);
    expect(loads).toBe(1);
    expect(writes.filter((w) => w.endsWith(key))).toHaveLength(1);
    expect(refused).toEqual([]);
    // The next read is a hit.
    expect((await readThrough(kv, "quotes", key, 60, load)).hit).toBe(true);
  });

  it("lands a version bump refused for the one-a-second limit, and coalesces concurrent bumps", async () => {
    const { kv, writes, refused } = limitedKv();
    await bumpVersion(kv, "analytics");
    await bumpVersion(kv, "analytics"); // within the second: refused once, written after the gap
    expect(refused).toEqual(["ver:analytics"]);
    expect(writes).toEqual(["ver:analytics", "ver:analytics"]);
    await Promise.all([bumpVersion(kv, "assets"), bumpVersion(kv, "assets"), bumpVersion(kv, "assets")]);
    expect(writes.filter((w) => w === "ver:assets")).toHaveLength(1);
  });

  it("serves a read route through a KV that refuses every write", async () => {
    await insertAssets([{ symbol: "AAPL", name: "Apple" }]);
    const { token } = await userToken();
    const { kv, refused } = limitedKv({ failEveryWrite: true });
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("http://edgeindex.test/v1/assets", { headers: { authorization: `Bearer ${token}` } }),
      { ...env, CACHE: kv },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: Array<{ symbol: string }> }).data.map((a) => a.symbol)).toContain("AAPL");
    expect(refused.length).toBeGreaterThan(0);
  });
});
