// hono's router with each (method, path)'s match remembered: the app has ~270 route and middleware entries and
// paths that make RegExpRouter refuse it (a literal and a parameter at one position, e.g. `/v1/indexes/preview`
// beside `/v1/indexes/{id}/…`), so hono falls back to TrieRouter, whose per-request search was ~17 % of a cached
// read's CPU in the profile (bench/RESULTS.md). Routes never change once the app is built, so a path's match is
// the same for every request: it is computed once and reused.
import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/** Distinct paths remembered at most (hostile clients can send endless distinct paths: then it starts over). */
const MAX_REMEMBERED = 2_000;
/** Longer paths are matched every time rather than held. */
const MAX_PATH_LENGTH = 512;

export class RememberedRouter<T> implements Router<T> {
  readonly name = "RememberedRouter";
  private readonly router: Router<T> = new SmartRouter<T>({ routers: [new RegExpRouter(), new TrieRouter()] });
  private readonly matches = new Map<string, Result<T>>();

  add(method: string, path: string, handler: T): void {
    this.matches.clear();
    this.router.add(method, path, handler);
  }

  /** A match result is only read by hono (params are decoded on access, never written back), so one can be shared. */
  match(method: string, path: string): Result<T> {
    if (path.length > MAX_PATH_LENGTH) return this.router.match(method, path);
    const key = `${method} ${path}`;
    let result = this.matches.get(key);
    if (result === undefined) {
      result = this.router.match(method, path);
      if (this.matches.size >= MAX_REMEMBERED) this.matches.clear();
      this.matches.set(key, result);
    }
    return result;
  }
}
