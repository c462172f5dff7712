// Calls the real Worker (workerd) and reads problem+json answers; every body is consumed.

import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { getConfig } from "../../src/config";
import { newId } from "../../src/db/ids";
import { signAccessToken } from "../../src/services/tokens";

export const BASE = "http://edgeindex.test";

export interface CallResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = any>(
  path: string,
  init: RequestInit & { token?: string; json?: unknown } = {},
): Promise<CallResult<T>> {
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
  return { status: res.status, headers: res.headers, body: parsed as T, text };
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
