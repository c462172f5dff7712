// Cache versions held in isolate memory (CACHE_VERSION_HOLD_MS): a bump by another writer is seen within the
// hold, a bump made in this isolate at once, and a request with `Cache-Control: no-cache` reads the version fresh.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { bumpVersion, cacheVersion, withVersionHold } from "../../src/services/cache";
import { userToken } from "../helpers/http";
import { insertAssets, insertQuote } from "../helpers/market";

let token: string;
let assetId: number;

beforeAll(async () => {
  token = (await userToken()).token;
  assetId = (await insertAssets([{ symbol: "HLD", name: "Held Versions" }])).get("HLD")!;
});

/** The real KV binding, counting reads of each version key (`ver:<ns>`). */
function countingKv() {
  const versionReads = new Map<string, number>();
  const kv = {
    get: (key: string, ...rest: unknown[]) => {
      if (key.startsWith("ver:")) versionReads.set(key, (versionReads.get(key) ?? 0) + 1);
      return (env.CACHE.get as (...a: unknown[]) => Promise<unknown>)(key, ...rest);
    },
    put: (...args: Parameters<KVNamespace["put"]>) => env.CACHE.put(...args),
  } as unknown as KVNamespace;
  return { kv, versionReads };
}

/** GET /v1/quotes?symbols=HLD through the Worker with these bindings; the price it answers. */
async function quotedPrice(bindings: Env, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request("http://edgeindex.test/v1/quotes?symbols=HLD", {
      headers: { authorization: `Bearer ${token}`, ...headers },
    }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Array<{ price: number }> }).data[0]!.price;
}

/** What another isolate's refresh does: the new quote row in D1, then a new version written to KV directly. */
async function writeElsewhere(price: number) {
  await insertQuote(assetId, price, 100, new Date().toISOString());
  await env.CACHE.put("ver:quotes", `elsewhere-${crypto.randomUUID()}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("cache versions held in isolate memory", () => {
  it("reads a version once per hold, every request at 0, and fresh for Cache-Control: no-cache", async () => {
    await insertQuote(assetId, 101, 100);
    const held = countingKv();
    const holding = { ...env, CACHE: held.kv, CACHE_VERSION_HOLD_MS: "4000" } as Env;
    await quotedPrice(holding);
    await quotedPrice(holding);
    await quotedPrice(holding);
    expect(held.versionReads.get("ver:quotes")).toBe(1);
    await quotedPrice(holding, { "cache-control": "no-cache" });
    await quotedPrice(holding, { "cache-control": "max-age=0" });
    expect(held.versionReads.get("ver:quotes")).toBe(3);

    const exact = countingKv();
    const reading = { ...env, CACHE: exact.kv, CACHE_VERSION_HOLD_MS: "0" } as Env;
    await quotedPrice(reading);
    await quotedPrice(reading);
    expect(exact.versionReads.get("ver:quotes")).toBe(2);
  });

  it("sees a bump by another writer (a direct KV write) once the hold has passed", async () => {
    await insertQuote(assetId, 102, 100);
    await bumpVersion(env.CACHE, "quotes");
    expect(await quotedPrice(env)).toBe(102); // the version is now held (the default hold, 1 s)
    await writeElsewhere(103);
    await sleep(1050);
    expect(await quotedPrice(env)).toBe(103);
  });

  it("answers a Cache-Control: no-cache request from the version another writer just wrote", async () => {
    const holding = { ...env, CACHE_VERSION_HOLD_MS: "5000" } as Env;
    await insertQuote(assetId, 104, 100);
    await bumpVersion(env.CACHE, "quotes");
    expect(await quotedPrice(holding)).toBe(104);
    await writeElsewhere(105);
    expect(await quotedPrice(holding, { "cache-control": "no-cache" })).toBe(105);
    // That read refreshed what the isolate holds: later requests see it too.
    expect(await quotedPrice(holding)).toBe(105);
  });

  it("sees a bump made in this isolate at once, whatever the hold", async () => {
    const holding = { ...env, CACHE_VERSION_HOLD_MS: "5000" } as Env;
    expect(await quotedPrice(holding)).toBe(105);
    await insertQuote(assetId, 106, 100);
    await bumpVersion(env.CACHE, "quotes");
    expect(await quotedPrice(holding)).toBe(106);
  });

  it("never lets a read that started before a bump replace the bump's version", async () => {
    let release: (v: string | null) => void = () => {};
    const slow = {
      get: (key: string) =>
        key === "ver:assets" && !slowDone ? new Promise<string | null>((r) => (release = r)) : env.CACHE.get(key),
      put: (...args: Parameters<KVNamespace["put"]>) => env.CACHE.put(...args),
    } as unknown as KVNamespace;
    let slowDone = false;
    const early = withVersionHold(5000, () => cacheVersion(slow, "assets"));
    await bumpVersion(slow, "assets");
    const bumped = await env.CACHE.get("ver:assets");
    release("from-before-the-bump");
    slowDone = true;
    expect(await early).toBe("from-before-the-bump");
    expect(await withVersionHold(5000, () => cacheVersion(slow, "assets"))).toBe(bumped);
  });

  it("reads every version from KV outside a request (jobs, cron, Durable Objects)", async () => {
    const { kv, versionReads } = countingKv();
    await cacheVersion(kv, "analytics");
    await cacheVersion(kv, "analytics");
    expect(versionReads.get("ver:analytics")).toBe(2);
  });
});
