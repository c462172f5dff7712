// Opaque pagination cursors: keyset position + the query they belong to, HMAC-signed so a tampered
// or foreign cursor (another route, other filters, another user) is refused with 400 invalid_cursor.
import { ApiError } from "../errors";

const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", enc.encode(`cursor:${secret}`), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
function fromB64url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/** What the cursor is bound to: the route, its filters and the caller. */
export type CursorScope = string;

export async function encodeCursor(secret: string, scope: CursorScope, position: unknown): Promise<string> {
  const payload = enc.encode(JSON.stringify(position));
  const sig = new Uint8Array(
    await crypto.subtle.sign("HMAC", await hmacKey(secret), concat(enc.encode(scope), payload)),
  );
  return `${b64url(payload)}.${b64url(sig.slice(0, 16))}`;
}

export async function decodeCursor<T>(secret: string, scope: CursorScope, cursor: string): Promise<T> {
  const bad = () =>
    new ApiError("invalid_cursor", "The cursor is malformed, was tampered with, or belongs to another query");
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  const [p, s] = cursor.split(".") as [string, string];
  let payload: Uint8Array;
  let sig: Uint8Array;
  try {
    payload = fromB64url(p);
    sig = fromB64url(s);
  } catch {
    throw bad();
  }
  const full = new Uint8Array(
    await crypto.subtle.sign("HMAC", await hmacKey(secret), concat(enc.encode(scope), payload)),
  );
  if (sig.length !== 16 || !timingSafeEqual(sig, full.slice(0, 16))) throw bad();
  try {
    return JSON.parse(new TextDecoder().decode(payload)) as T;
  } catch {
    throw bad();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + 1 + b.length);
  out.set(a, 0);
  out[a.length] = 0;
  out.set(b, a.length + 1);
  return out;
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
