// A fake Twelve Data server as an injected fetch: answers with the documented shapes and records what it was asked.
import { expect } from "vitest";
import { ProviderError } from "../../src/providers/types";
import error400 from "../fixtures/twelvedata/error_400_bad_request.json";
import error401 from "../fixtures/twelvedata/error_401_invalid_key.json";
import error429 from "../fixtures/twelvedata/error_429_credits.json";
import quoteOk from "../fixtures/twelvedata/quote_ok.json";
import seriesBatch from "../fixtures/twelvedata/time_series_batch.json";
import seriesOk from "../fixtures/twelvedata/time_series_ok.json";

export const fixtures = { error400, error401, error429, quoteOk, seriesBatch, seriesOk };

export const API_KEY = "td-secret-key-5f1c9a77";

export interface SeenRequest {
  url: URL;
  headers: Headers;
}

export type Answer = Response | Promise<Response>;
export type Route = (url: URL, init: RequestInit | undefined) => Answer;

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

export const text = (body: string, status = 200, contentType = "text/html") =>
  new Response(body, { status, headers: { "Content-Type": contentType } });

/** A fetch that never answers until its signal aborts, like a hung connection. */
export const hang: Route = (_url, init) =>
  new Promise<Response>((_, reject) => {
    const signal = init?.signal;
    signal?.addEventListener("abort", () => reject(signal.reason ?? new DOMException("aborted", "AbortError")));
  });

/** Routes by path (`/time_series`, `/quote`, ...); unknown paths answer 404 the way the vendor does. */
export function fakeTwelveData(routes: Record<string, Route>) {
  const seen: SeenRequest[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    seen.push({ url, headers: new Headers(init?.headers) });
    const route = routes[url.pathname];
    if (!route) return json({ code: 404, message: `${url.pathname} not found`, status: "error" }, 404);
    return route(url, init);
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

/** The ProviderError a call failed with; fails the test if the call succeeded or threw anything else. */
export async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error("expected the call to fail");
}
