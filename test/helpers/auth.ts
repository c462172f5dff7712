// Auth helpers for tests: real registration/login through the Worker, and fetch wrappers for a token, a key or a signed key.
import { env } from "cloudflare:test";
import { changeRole } from "../../src/db/role-grants";
import type { AnswerOf } from "./answers";
import { type CallInit, type CallResult, call, callAs } from "./http";

export const PASSWORD = "correct-horse-battery-staple";
export const ADMIN_EMAIL = "admin@edgeindex.dev";

export interface Session {
  user: { id: string; email: string; name: string | null; role: "admin" | "user"; created_at: string };
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

let counter = 0;
/** A fresh email per call (unique within a test file, whose storage is isolated). */
export const freshEmail = (tag = "user") => `${tag}-${Date.now().toString(36)}-${++counter}@example.com`;

/** A client IP of its own, so anonymous calls in one test do not drain another test's per-IP budget. */
export const freshIp = () => `198.51.100.${(++counter % 250) + 1}`;

/** Registers through POST /v1/auth/register (one PBKDF2 hash, ~50-100 ms). Registration never makes an admin. */
export async function registerUser(
  email = freshEmail(),
  password = PASSWORD,
): Promise<Session & { email: string; password: string }> {
  const r = await call("/v1/auth/register", {
    method: "POST",
    json: { email, password },
    headers: { "cf-connecting-ip": freshIp() },
  });
  if (r.status !== 201) throw new Error(`register ${email} answered ${r.status}: ${r.text}`);
  return { ...r.body, email, password };
}

/**
 * An admin made the only way there is: registered as a user, then granted the role with the statements
 * `npm run admin -- grant` runs (which revoke the user's sessions), then signed in again.
 */
export async function registerAdmin(
  email = freshEmail("admin"),
): Promise<Session & { email: string; password: string }> {
  await registerUser(email);
  if (!(await changeRole(env.DB, email, "admin"))) throw new Error(`grant ${email} changed nothing`);
  const session = await loginAs(email);
  return { ...session, email, password: PASSWORD };
}

export function login(email: string, password = PASSWORD, ip = freshIp()) {
  return call("/v1/auth/login", { method: "POST", json: { email, password }, headers: { "cf-connecting-ip": ip } });
}

/** Logs in (demo-style) and returns the session, failing loudly when login does not answer 200. */
export async function loginAs(email: string, password = PASSWORD): Promise<Session> {
  const r = await login(email, password);
  if (r.status !== 200) throw new Error(`login ${email} answered ${r.status}: ${r.text}`);
  return r.body;
}

export const refresh = (refresh_token: string) =>
  call("/v1/auth/refresh", {
    method: "POST",
    json: { refresh_token },
    headers: { "cf-connecting-ip": freshIp() },
  });

/** `authed(token)("/v1/me")`: calls with `Authorization: Bearer`, typed as `call` types the path. */
export const authed =
  (token: string) =>
  <P extends string, M extends string = "GET">(path: P, init: CallInit<M> = {}) =>
    call(path, { ...init, token });

/** `withKey(key)("/v1/assets")`: calls with `X-API-Key`. */
export const withKey =
  (key: string) =>
  <P extends string, M extends string = "GET">(path: P, init: CallInit<M> = {}) => {
    const headers = new Headers(init.headers);
    headers.set("x-api-key", key);
    return call(path, { ...init, headers });
  };

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
  signing: boolean;
  signing_secret?: string;
  expires_at: string | null;
  created_at: string;
}

export async function createKey(
  token: string,
  body: Record<string, unknown> = { name: "test key" },
): Promise<CreatedKey> {
  const r = await call("/v1/api-keys", { method: "POST", token, json: body });
  if (r.status !== 201) throw new Error(`create key answered ${r.status}: ${r.text}`);
  return r.body;
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Hex HMAC-SHA256 of `text` under `secret`, computed here the way a client would (signed requests, webhook checks). */
export async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
}

/** The client side of signed requests, as docs/AUTH.md describes it. */
export async function signature(
  secret: string,
  timestamp: string,
  method: string,
  pathAndQuery: string,
  body = "",
): Promise<string> {
  const bodyHash = hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  return hmacHex(secret, `${timestamp}\n${method}\n${pathAndQuery}\n${bodyHash}`);
}

/** Calls with X-API-Key plus X-Timestamp/X-Signature computed over the exact request sent. */
export async function signedCall<P extends string, M extends string = "GET">(
  key: { key: string; signing_secret?: string },
  path: P,
  init: CallInit<M> & { timestamp?: number } = {},
): Promise<CallResult<AnswerOf<P, M>>> {
  const method = (init.method ?? "GET").toUpperCase();
  const body = init.json !== undefined ? JSON.stringify(init.json) : "";
  const ts = String(init.timestamp ?? Math.floor(Date.now() / 1000));
  const headers = new Headers(init.headers);
  headers.set("x-api-key", key.key);
  headers.set("x-timestamp", ts);
  headers.set("x-signature", await signature(key.signing_secret!, ts, method, path, body));
  if (body) headers.set("content-type", "application/json");
  return callAs<AnswerOf<P, M>>(path, { ...init, json: undefined, body: body || undefined, method, headers });
}

/** Soft-deletes a user row directly, as an account deletion would. */
export async function deleteUser(id: string): Promise<void> {
  await env.DB.prepare("UPDATE users SET deleted_at = ? WHERE id = ?").bind(new Date().toISOString(), id).run();
}
