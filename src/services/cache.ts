// KV read-through cache under versioned keys: writers bump a namespace's version, so readers never see
// entries from before new data landed (old versions simply expire by TTL). KV is an accelerator, never a
// dependency of a read: a failed get is a miss and a failed fill is dropped. KV refuses a second write to one key
// within a second (429), so concurrent misses on one key in an isolate share one load and one write. An entry
// under a versioned key never changes, so this isolate also keeps the hottest ones in memory (no KV get, no JSON
// parse on a hit). The version itself is read from KV, or taken from isolate memory when the request allows a
// short hold (`CACHE_VERSION_HOLD_MS`): a bump made in this isolate is written through at once, one made elsewhere
// is seen within the hold (KV itself lets other locations lag up to ~60 s).

/** Namespaces and who bumps them: see docs/STORAGE.md. */
export type CacheNamespace = "assets" | "quotes" | `prices:${string}` | `index:${string}` | "analytics";

import { AsyncLocalStorage } from "node:async_hooks";
import { sha256Hex } from "../crypto";
import { IsolateMemory } from "./isolate-memory";
import { waitWhileBusy } from "./shared-work";

const versionKey = (ns: CacheNamespace) => `ver:${ns}`;

/** Parsed entries by their versioned key; 32 MiB of serialized JSON at most (an isolate has 128 MB). */
const hotEntries = new IsolateMemory<unknown>(2_000, 32 * 1024 * 1024);

/** For tests: start from KV's view only. */
export function forgetHotEntries(): void {
  hotEntries.clear();
}

/**
 * Entries held in memory are shared by every later request of the isolate: frozen, so a reader that mutated
 * one would fail loudly (strict mode throws) instead of changing what the next request sees.
 */
function frozen<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) frozen(v);
  }
  return value;
}

/**
 * How old a namespace version the running request accepts from this isolate's memory, in ms. Set per request by
 * the app (`withVersionHold`); outside one (jobs, cron, Durable Objects) it is 0: every read goes to KV.
 */
const versionHold = new AsyncLocalStorage<number>();

/** Runs one request's work accepting namespace versions read up to `holdMs` ago (0: read each from KV). */
export function withVersionHold<T>(holdMs: number, work: () => T): T {
  return versionHold.run(holdMs, work);
}

/**
 * The last version known per key, per KV binding. `seq` orders what was learnt: a read that started before a bump
 * in this isolate (a lower seq) never replaces the bump's version when it ends after it.
 */
interface HeldVersion {
  version: string;
  /** When it was known: the start of the read that returned it, or the end of the bump that wrote it. */
  at: number;
  seq: number;
}
const heldVersions = new WeakMap<KVNamespace, Map<string, HeldVersion>>();
let learnt = 0;

function versionsOf(kv: KVNamespace): Map<string, HeldVersion> {
  let held = heldVersions.get(kv);
  if (!held) {
    held = new Map();
    heldVersions.set(kv, held);
  }
  return held;
}

/**
 * Versions held per binding at most: there is one namespace per symbol and per index read, so without a bound the
 * map would grow with every index ever created. Past it, versions older than the longest hold the configuration
 * allows (useless to every request) go first, then the oldest: a dropped one only costs its next reader a KV read.
 */
const MAX_HELD_VERSIONS = 10_000;
const LONGEST_HOLD_MS = 5_000; // CACHE_VERSION_HOLD_MS's maximum in config.ts

/** How many namespace versions this isolate holds for a binding (for tests of the bound). */
export const heldVersionCount = (kv: KVNamespace): number => heldVersions.get(kv)?.size ?? 0;

function remember(kv: KVNamespace, key: string, version: string, seq: number, at: number): void {
  const held = versionsOf(kv);
  const current = held.get(key);
  if (current && current.seq >= seq) return;
  if (!current && held.size >= MAX_HELD_VERSIONS) {
    const now = Date.now();
    for (const [k, v] of held) if (now - v.at > LONGEST_HOLD_MS) held.delete(k);
    while (held.size >= MAX_HELD_VERSIONS) held.delete(held.keys().next().value as string);
  }
  held.delete(key); // the most recently learnt goes last, so the oldest is first out
  held.set(key, { version, at, seq });
}

/**
 * The namespace's current version: from memory when this isolate learnt it less than the request's hold ago,
 * else read from KV by this request. Concurrent requests never share a read (a waiter on another request's read
 * was cancelled as hung by workerd, see shared-work.ts): after a hold expires each request that finds it expired
 * reads for itself, so a burst costs at most one read per request, and one per hold once it is learnt.
 */
export async function cacheVersion(kv: KVNamespace, ns: CacheNamespace): Promise<string> {
  const key = versionKey(ns);
  const holdMs = versionHold.getStore() ?? 0;
  const started = Date.now();
  if (holdMs > 0) {
    const held = heldVersions.get(kv)?.get(key);
    if (held && started - held.at < holdMs) return held.version;
  }
  const seq = ++learnt;
  const version = (await kv.get(key)) ?? "0";
  remember(kv, key, version, seq, started);
  return version;
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
      // A bump already in flight in this isolate covers this one; it is waited for, never awaited (shared-work.ts).
      if (bumping.has(key)) return waitWhileBusy(() => bumping.has(key));
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
      await kv.put(key, version);
      // Written through: every later request of this isolate sees the bump at once, whatever its hold.
      remember(kv, key, version, ++learnt, Date.now());
      return;
    } catch (err) {
      if (!isTooManyWrites(err) || attempt >= BUMP_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, SAME_KEY_WRITE_GAP_MS));
    }
  }
}

/** Entry keys being loaded in this isolate: concurrent misses wait for that one load and one KV write. */
const filling = new Set<string>();

export interface Cached<T> {
  value: T;
  hit: boolean;
}

/** One namespace at its current version (null: unreadable); every key read through it shares that one read. */
export interface VersionedNamespace {
  ns: CacheNamespace;
  version: string | null;
}

export async function atCurrentVersion(kv: KVNamespace, ns: CacheNamespace): Promise<VersionedNamespace> {
  try {
    return { ns, version: await cacheVersion(kv, ns) };
  } catch (err) {
    // Without the current version no entry is known to be fresh: readers answer from the source, cache nothing.
    warn("cache version unreadable", versionKey(ns), err);
    return { ns, version: null };
  }
}

/**
 * The KV key of `key` in the namespace's version: it names one immutable value, so it is also an ETag source.
 * Null when the version could not be read.
 */
export async function entryKey(at: VersionedNamespace, key: string): Promise<string | null> {
  if (at.version === null) return null;
  // KV keys are limited to 512 bytes; long query-derived keys are hashed.
  const short = key.length > 200 ? await sha256Hex(key) : key;
  return `c:${at.ns}:${at.version}:${short}`;
}

/** Reads one versioned entry: isolate memory, then KV, then `load` (stored in both); a null key only loads. */
export async function readEntry<T>(
  kv: KVNamespace,
  fullKey: string | null,
  ttlSeconds: number,
  load: () => Promise<T>,
): Promise<Cached<T>> {
  if (fullKey === null) return { value: await load(), hit: false };
  const ttlMs = Math.max(60, ttlSeconds) * 1000;
  const held = hotEntries.get(fullKey) as T | undefined;
  if (held !== undefined) return { value: held, hit: true };
  const stored = await kv.get(fullKey, "text").catch((err) => {
    warn("cache read failed", fullKey, err);
    return null;
  });
  if (stored !== null) {
    const value = frozen(JSON.parse(stored) as T);
    // Held no longer than KV keeps it, so memory never outlives what KV would still answer.
    hotEntries.set(fullKey, value, ttlMs, stored.length);
    return { value, hit: true };
  }
  if (filling.has(fullKey)) {
    // Another request is loading this entry: wait for it on our own timers (never await its promise, see
    // shared-work.ts), then take what it stored; if it stored nothing, load it here.
    await waitWhileBusy(() => filling.has(fullKey));
    const loaded = hotEntries.get(fullKey) as T | undefined;
    if (loaded !== undefined) return { value: loaded, hit: false };
  }
  const fill = (async () => {
    const value = await load();
    const serialized = await storeQuietly(kv, fullKey, value, ttlSeconds);
    // A copy: the caller keeps the value it loaded (and may change it); memory keeps the stored form.
    if (serialized !== null) hotEntries.set(fullKey, frozen(JSON.parse(serialized)), ttlMs, serialized.length);
    return value;
  })().finally(() => filling.delete(fullKey));
  filling.add(fullKey);
  return { value: await fill, hit: false };
}

/** Reads `key` in the namespace's current version, loading and storing it on a miss. */
export async function readThrough<T>(
  kv: KVNamespace,
  ns: CacheNamespace,
  key: string,
  ttlSeconds: number,
  load: () => Promise<T>,
): Promise<Cached<T>> {
  const at = await atCurrentVersion(kv, ns);
  return readEntry(kv, await entryKey(at, key), ttlSeconds, load);
}

/**
 * A cache fill that fails (KV's 429 on a hot key, an outage) is logged and dropped: the read already has its
 * value. Returns what was stored (for isolate memory), or null when nothing was.
 */
async function storeQuietly(kv: KVNamespace, key: string, value: unknown, ttlSeconds: number): Promise<string | null> {
  const serialized = JSON.stringify(value);
  // KV values are limited to 25 MiB; anything near that is not worth caching.
  if (serialized === undefined || serialized.length >= 5_000_000) return null;
  try {
    await kv.put(key, serialized, { expirationTtl: Math.max(60, ttlSeconds) });
    return serialized;
  } catch (err) {
    warn("cache fill dropped", key, err);
    return null;
  }
}
