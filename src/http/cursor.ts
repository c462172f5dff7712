// Opaque pagination cursors: keyset position + the query they belong to, HMAC-signed so a tampered
// or foreign cursor (another route, other filters, another user) is refused with 400 invalid_cursor.
import { toBase64Url as b64url, fromBase64Url as fromB64url, hmacSha256, timingSafeEqual } from "../crypto";
import { ApiError } from "../errors";

const enc = new TextEncoder();
/** The cursor key is its own: HMAC over `cursor:<secret>`, never the JWT key itself. */
const sign = (secret: string, bytes: Uint8Array) => hmacSha256(`cursor:${secret}`, bytes);

/** What the cursor is bound to: the route, its filters and the caller. */
export type CursorScope = string;

export async function encodeCursor(secret: string, scope: CursorScope, position: unknown): Promise<string> {
  const payload = enc.encode(JSON.stringify(position));
  const sig = await sign(secret, concat(enc.encode(scope), payload));
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
  const full = await sign(secret, concat(enc.encode(scope), payload));
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
