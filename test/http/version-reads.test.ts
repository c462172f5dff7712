// Version reads shared by concurrent requests of one isolate: a burst costs about two KV reads, and no request is
// answered from a read that started before it arrived (so a bump, here or in another isolate, is seen at once).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { atCurrentVersion, bumpVersion, type CacheNamespace, cacheVersion } from "../../src/services/cache";

/**
 * The real KV binding with its reads held at a gate: each get reads KV at once (what it answers is fixed when it
 * starts) and hands the value over only when the test opens the gate, so "a read still in flight" is exact.
 */
function gatedKv(opts: { failFirstRead?: boolean } = {}) {
  const gets: string[] = [];
  const gates: Array<() => void> = [];
  const kv = {
    get: async (key: string) => {
      const n = gets.push(key);
      const value = await env.CACHE.get(key);
      await new Promise<void>((open) => gates.push(open));
      if (opts.failFirstRead && n === 1) throw new Error("KV GET failed: 503 Service Unavailable");
      return value;
    },
    put: (key: string, value: string, options?: KVNamespacePutOptions) => env.CACHE.put(key, value, options),
  } as unknown as KVNamespace;
  /** Opens every gate reached so far, after letting started reads reach theirs. */
  const release = async () => {
    for (let i = 0; i < 20 && gates.length < gets.length; i++) await new Promise((r) => setTimeout(r, 5));
    for (const open of gates.splice(0)) open();
  };
  return { kv, gets, release };
}

const freshNs = (): CacheNamespace => `prices:T${crypto.randomUUID().slice(0, 8)}`;

/** Resolves `p`, opening the gate as often as reads queue behind each other. */
async function settle<T>(p: Promise<T>, release: () => Promise<void>): Promise<T> {
  let done = false;
  const out = p.finally(() => {
    done = true;
  });
  while (!done) {
    await release();
    await new Promise((r) => setTimeout(r, 1));
  }
  return out;
}

describe("shared version reads", () => {
  it("answers ten concurrent requests with two KV reads: the one in flight and one queued behind it", async () => {
    const ns = freshNs();
    await env.CACHE.put(`ver:${ns}`, "v1");
    const { kv, gets, release } = gatedKv();
    const answers = Array.from({ length: 10 }, () => cacheVersion(kv, ns));
    const versions = await settle(Promise.all(answers), release);
    expect(versions).toEqual(Array(10).fill("v1"));
    expect(gets).toEqual([`ver:${ns}`, `ver:${ns}`]);
  });

  it("never answers a request from a read that began before it: a bump by another isolate is seen at once", async () => {
    const ns = freshNs();
    await env.CACHE.put(`ver:${ns}`, "old");
    const { kv, release } = gatedKv();
    const before = cacheVersion(kv, ns); // in flight, has read "old"
    await env.CACHE.put(`ver:${ns}`, "new"); // another isolate's bump lands
    const after = cacheVersion(kv, ns);
    expect(await settle(before, release)).toBe("old");
    expect(await settle(after, release)).toBe("new");
  });

  it("sees this isolate's own bump on the next read while an older read is still in flight", async () => {
    const ns = freshNs();
    await env.CACHE.put(`ver:${ns}`, "old");
    const { kv, release } = gatedKv();
    const before = cacheVersion(kv, ns);
    await bumpVersion(kv, ns);
    const written = await env.CACHE.get(`ver:${ns}`);
    expect(written).not.toBe("old");
    const after = cacheVersion(kv, ns);
    expect(await settle(before, release)).toBe("old");
    expect(await settle(after, release)).toBe(written);
  });

  it("gives requests queued behind a failed read their own read", async () => {
    const ns = freshNs();
    await env.CACHE.put(`ver:${ns}`, "v7");
    const { kv, gets, release } = gatedKv({ failFirstRead: true });
    const first = atCurrentVersion(kv, ns);
    const queued = atCurrentVersion(kv, ns);
    expect(await settle(first, release)).toEqual({ ns, version: null });
    expect(await settle(queued, release)).toEqual({ ns, version: "v7" });
    expect(gets).toHaveLength(2);
  });

  it("starts a new read once the last one has settled", async () => {
    const ns = freshNs();
    const { kv, gets, release } = gatedKv();
    expect(await settle(cacheVersion(kv, ns), release)).toBe("0");
    await env.CACHE.put(`ver:${ns}`, "v2");
    expect(await settle(cacheVersion(kv, ns), release)).toBe("v2");
    expect(gets).toHaveLength(2);
  });
});
