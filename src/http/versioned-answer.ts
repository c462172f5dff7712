// A GET answered from a versioned cache entry: the ETag comes from the entry's key (not from hashing the body), a
// matching If-None-Match is answered 304 before any body is built, and the serialized body is kept in isolate
// memory under that ETag, so a warm answer is a version read, a short hash and a memory lookup.
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import { IsolateMemory } from "../services/isolate-memory";
import type { AppEnv } from "./context";

/** Serialized bodies by ETag, with the `Link` header built with them (a page's next page); 16 MiB at most. */
const renderedBodies = new IsolateMemory<{ body: string; link?: string }>(1_000, 16 * 1024 * 1024);

/** For tests: forget rendered bodies so each test builds its own. */
export function forgetRenderedBodies(): void {
  renderedBodies.clear();
  etags.clear();
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Names one answer: the versioned entry it is built from, the exact URL (query, `fields` and cursor included),
 * the Accept header (a CSV rendering is another representation: `Vary: Accept`), the caller (cursors are signed
 * per caller) and the code's version. A bump changes the entry key, so new data can never carry an old tag.
 */
export async function versionedEtag(c: Context<AppEnv>, sourceKey: string): Promise<string> {
  const caller = c.get("principal")?.userId ?? "anon";
  const accept = c.req.header("accept") ?? "";
  const name = `${sourceKey}\n${c.get("config").APP_VERSION}\n${pathAndQuery(c.req.url)}\n${accept}\n${caller}`;
  const known = etags.get(name);
  if (known !== undefined) return known;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(name)));
  let hex = "";
  for (const b of digest) hex += HEX[b];
  const etag = `"v-${hex}"`;
  etags.set(name, etag, ETAG_HOLD_MS, name.length);
  return etag;
}

/** Tags by the name they hash (a tag never changes for its name; a bump changes the name). */
const etags = new IsolateMemory<string>(4_000, 4 * 1024 * 1024);
const ETAG_HOLD_MS = 10 * 60_000;

/** `/path?query` of an absolute URL (what `new URL(u).pathname + search` gives, without parsing it). */
function pathAndQuery(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const hash = url.indexOf("#", start);
  return hash === -1 ? url.slice(start) : url.slice(start, hash);
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/**
 * Answers 200 with `build()`'s JSON (or the body already rendered for this ETag), or 304 when the client holds
 * it. `sourceKey` must change whenever `build()` could return something else: a versioned entry key does
 * (null when the version could not be read).
 */
export async function versionedJson<T>(
  c: Context<AppEnv>,
  sourceKey: string | null,
  build: () => Promise<T>,
): Promise<Response & TypedResponse<JSONParsed<T>, 200, "json">> {
  type Answer = Response & TypedResponse<JSONParsed<T>, 200, "json">;
  // No version (KV unreadable): a plain answer, whose ETag the etag middleware takes from the body.
  if (sourceKey === null) return c.json(await build(), 200) as unknown as Answer;
  const etag = await versionedEtag(c, sourceKey);
  c.header("ETag", etag);
  c.set("tagged", true);
  if (matches(c.req.header("if-none-match"), etag)) {
    c.set("cache", "hit");
    return c.body(null, 304) as unknown as Answer;
  }
  let rendered = renderedBodies.get(etag);
  if (rendered === undefined) {
    rendered = { body: JSON.stringify(await build()), link: c.get("link") };
    renderedBodies.set(etag, rendered, c.get("config").CACHE_TTL_SECONDS * 1000, rendered.body.length);
  } else {
    c.set("cache", "hit");
    // Headers the build set go with the body: a page's Link (CSV answers have no body field for the next page).
    if (rendered.link !== undefined) c.header("Link", rendered.link);
  }
  const body = rendered.body;
  c.header("Content-Type", "application/json");
  return c.body(body, 200) as unknown as Answer;
}
