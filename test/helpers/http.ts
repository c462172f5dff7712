// Calls the real Worker (workerd) and reads problem+json answers; every body is consumed.

import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { getConfig } from "../../src/config";
import { newId } from "../../src/db/ids";
import { signAccessToken } from "../../src/services/tokens";
import type { AnswerOf, Problem } from "./answers";

export const BASE = "http://edgeindex.test";

export interface CallResult<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed body, typed as the route's success answer. */
  body: T;
  /** The same parsed body read as an error answer (problem+json), for the calls a test expects to fail. */
  problem: Problem;
  text: string;
}

export type CallInit<M extends string = string> = Omit<RequestInit, "method"> & {
  method?: M;
  token?: string;
  json?: unknown;
};

/**
 * Calls the Worker; the body is typed by the route the path is and the method (`AnswerOf`, from the OpenAPI
 * document the routes generate), and `unknown` for a path the document does not know.
 */
export function call<P extends string, M extends string = "GET">(
  path: P,
  init: CallInit<M> = {},
): Promise<CallResult<AnswerOf<P, M>>> {
  return callAs<AnswerOf<P, M>>(path, init);
}

/** `call` with the body's type given: for paths built at run time, which the document's paths cannot type. */
export async function callAs<T>(path: string, init: CallInit = {}): Promise<CallResult<T>> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  const res = await exports.default.fetch(new Request(`${BASE}${path}`, { ...init, headers, body }));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed as T, problem: parsed as Problem, text };
}

/** Creates a user row directly (no PBKDF2 cost) and returns a valid access token for it. */
export async function userToken(role: "user" | "admin" = "user", email = `${newId("usr")}@example.com`) {
  const id = newId("usr");
  await env.DB.prepare("INSERT INTO users (id, email, password_hash, role) VALUES (?, ?, 'x', ?)")
    .bind(id, email.toLowerCase(), role)
    .run();
  // A session of its own (no refresh token behind it, as none is needed to call the API).
  const { token } = await signAccessToken(getConfig(env), { id, role }, newId("fam"));
  return { id, token, email };
}

export async function rowCount(table: string): Promise<number> {
  const r = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
  return r?.n ?? 0;
}
