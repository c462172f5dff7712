// KV read-through cache under versioned keys: writers bump a namespace's version, so readers never see
// entries from before new data landed (old versions simply expire by TTL). KV is an accelerator, never a
// dependency of a read: a failed get is a miss and a failed fill is dropped. KV refuses a second write to one key
// within a second (429), so concurrent misses on one key in an isolate share one load and one write.

/** Namespaces and who bumps them: see docs/STORAGE.md. */
export type CacheNamespace = "assets" | "quotes" | `prices:${string}` | `index:${string}` | "analytics";

import { sha256Hex } from "../crypto";

const versionKey = (ns: CacheNamespace) => `ver:${ns}`;

export async function cacheVersion(kv: KVNamespace, ns: CacheNamespace): Promise<string> {
  return (await kv.get(versionKey(ns))) ?? "0";
}

/** KV's limit on writes to one key (one a second), plus a margin. */
const SAME_KEY_WRITE_GAP_MS = 1100;
const BUMP_ATTEMPTS = 4;

const isTooManyWrites = (err: unknown) => err instanceof Error && /429|too many requests/i.test(err.message);
const warn = (msg: string, key: string, err: unknown) =>
  console.warn(JSON.stringify({ level: "warn", msg, key, error: err instanceof Error ? err.message : String(err) }));

/** Bumps in flight per version key in this isolate: a second bump while one is writing rides on it. */
const bumping = new Map<string, Promise<void>>();

/**
 * Makes every cached entry of the namespace unreachable. Versions are time-based so concurrent bumps never go back.
 * A bump must land (a lost one would keep serving stale entries), so a write refused for the one-a-second limit is
 * tried again after the limit's gap; other failures propagate and the job that bumps is retried.
 */
export async function bumpVersion(kv: KVNamespace, ...namespaces: CacheNamespace[]): Promise<void> {
  await Promise.all(
    namespaces.map((ns) => {
      const key = versionKey(ns);
      const pending = bumping.get(key);
      if (pending) return pending;
      const write = writeVersion(kv, key).finally(() => bumping.delete(key));
      bumping.set(key, write);
      return write;
    }),
  );
}

async function writeVersion(kv: KVNamespace, key: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const version = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    try {
      return await kv.put(key, version);
    } catch (err) {
      if (!isTooManyWrites(err) || attempt >= BUMP_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, SAME_KEY_WRITE_GAP_MS));
    }
  }
}

/** Loads in flight per entry key in this isolate: concurrent misses share one load and one KV write. */
const filling = new Map<string, Promise<unknown>>();

export interface Cached<T> {
  value: T;
  hit: boolean;
}

/** Reads `key` in the namespace's current version, loading and storing it on a miss. */
export async function readThrough<T>(
  kv: KVNamespace,
  ns: CacheNamespace,
  key: string,
  ttlSeconds: number,
  load: () => Promise<T>,
): Promise<Cached<T>> {
  // KV keys are limited to 512 bytes; long query-derived keys are hashed.
  const short = key.length > 200 ? await sha256Hex(key) : key;
  let version: string;
  try {
    version = await cacheVersion(kv, ns);
  } catch (err) {
    // Without the current version no entry is known to be fresh: answer from the source, cache nothing.
    warn("cache version unreadable", versionKey(ns), err);
    return { value: await load(), hit: false };
  }
  const fullKey = `c:${ns}:${version}:${short}`;
  const hit = await kv.get<T>(fullKey, "json").catch((err) => {
    warn("cache read failed", fullKey, err);
    return null;
  });
  if (hit !== null) return { value: hit, hit: true };
  const pending = filling.get(fullKey) as Promise<T> | undefined;
  if (pending) return { value: await pending, hit: false };
  const fill = (async () => {
    const value = await load();
    await storeQuietly(kv, fullKey, value, ttlSeconds);
    return value;
  })().finally(() => filling.delete(fullKey));
  filling.set(fullKey, fill);
  return { value: await fill, hit: false };
}

/** A cache fill that fails (KV's 429 on a hot key, an outage) is logged and dropped: the read already has its value. */
async function storeQuietly(kv: KVNamespace, key: string, value: unknown, ttlSeconds: number): Promise<void> {
  const serialized = JSON.stringify(value);
  // KV values are limited to 25 MiB; anything near that is not worth caching.
  if (serialized.length >= 5_000_000) return;
  try {
    await kv.put(key, serialized, { expirationTtl: Math.max(60, ttlSeconds) });
  } catch (err) {
    warn("cache fill dropped", key, err);
  }
}
