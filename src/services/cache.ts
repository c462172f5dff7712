// KV read-through cache under versioned keys: writers bump a namespace's version, so readers never see
// entries from before new data landed (old versions simply expire by TTL).

/** Namespaces and who bumps them: see docs/STORAGE.md. */
export type CacheNamespace = "assets" | "quotes" | `prices:${string}` | `index:${string}` | "analytics";

import { sha256Hex } from "./sessions";

const versionKey = (ns: CacheNamespace) => `ver:${ns}`;

export async function cacheVersion(kv: KVNamespace, ns: CacheNamespace): Promise<string> {
  return (await kv.get(versionKey(ns))) ?? "0";
}

/** Makes every cached entry of the namespace unreachable. Versions are time-based so concurrent bumps never go back. */
export async function bumpVersion(kv: KVNamespace, ...namespaces: CacheNamespace[]): Promise<void> {
  const version = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await Promise.all(namespaces.map((ns) => kv.put(versionKey(ns), version)));
}

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
  const fullKey = `c:${ns}:${await cacheVersion(kv, ns)}:${short}`;
  const hit = await kv.get<T>(fullKey, "json");
  if (hit !== null) return { value: hit, hit: true };
  const value = await load();
  const serialized = JSON.stringify(value);
  // KV values are limited to 25 MiB; anything near that is not worth caching.
  if (serialized.length < 5_000_000) await kv.put(fullKey, serialized, { expirationTtl: Math.max(60, ttlSeconds) });
  return { value, hit: false };
}
