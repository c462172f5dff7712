// The one home of crypto primitives: hex and base64, SHA-256, HMAC, constant-time comparison, and AES-GCM
// sealing of secrets at rest under HKDF-derived keys (salt and info are the caller's, so stored values keep opening).
import { IsolateMemory } from "./services/isolate-memory";

const enc = new TextEncoder();

export const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  [...(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

export const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
export const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export const toBase64Url = (bytes: Uint8Array) =>
  toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
export const fromBase64Url = (s: string) => fromBase64(s.replace(/-/g, "+").replace(/_/g, "/"));

export async function sha256Hex(data: string | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

/** The old name of `sha256Hex`, kept for the callers that hash request bodies. */
export const sha256HexOf = sha256Hex;

/**
 * Imported HMAC keys by key material. Besides the app's own secrets this sees one material per webhook secret
 * and per signing API key, so it is bounded (count and bytes, least recently used out) and entries expire.
 * It holds settled keys only: a request never awaits an import another request started (services/shared-work.ts).
 */
const HMAC_KEYS_HELD = 1_000;
const HMAC_KEY_HOLD_MS = 10 * 60_000;
const hmacKeys = new IsolateMemory<CryptoKey>(HMAC_KEYS_HELD, 1024 * 1024);

/** How many imported HMAC keys this isolate holds (for tests of the bound). */
export const heldHmacKeys = (): number => hmacKeys.size;

/** An HMAC-SHA256 key over the given key material, imported once per isolate while it is in use. */
export async function hmacKey(keyMaterial: string): Promise<CryptoKey> {
  const held = hmacKeys.get(keyMaterial);
  if (held) return held;
  const key = await crypto.subtle.importKey("raw", enc.encode(keyMaterial), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  // The material is kept as the map key (UTF-16) beside a small CryptoKey handle.
  hmacKeys.set(keyMaterial, key, HMAC_KEY_HOLD_MS, 2 * keyMaterial.length + 256);
  return key;
}

export async function hmacSha256(keyMaterial: string, message: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof message === "string" ? enc.encode(message) : message;
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(keyMaterial), bytes));
}

export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return toHex(await hmacSha256(secret, message));
}

/** Compares two strings without an early exit, so timing does not reveal the common prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The same for bytes. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** HKDF inputs that name one sealing key; each purpose has its own, so no two purposes share a key. */
export interface SealKeyName {
  salt: string;
  info: string;
}

const sealKeys = new Map<string, Promise<CryptoKey>>();

/**
 * A key for sealing secrets, derived from the master secret (JWT_SECRET) with HKDF under the given salt and info,
 * so the JWT signing key itself is never used for encryption.
 */
function sealKey(masterSecret: string, name: SealKeyName): Promise<CryptoKey> {
  const id = `${name.salt}\u0000${name.info}\u0000${masterSecret}`;
  let key = sealKeys.get(id);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", enc.encode(masterSecret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: enc.encode(name.salt), info: enc.encode(name.info) },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    sealKeys.set(id, key);
  }
  return key;
}

/** `v1.<iv>.<ciphertext>`; `boundTo` (e.g. the row id) is authenticated, so a sealed value cannot be moved to another row. */
export async function seal(
  masterSecret: string,
  name: SealKeyName,
  plaintext: string,
  boundTo: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(boundTo) },
    await sealKey(masterSecret, name),
    enc.encode(plaintext),
  );
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(ct))}`;
}

/** The plaintext, or null when the value was tampered with, moved, or sealed under another secret. */
export async function unseal(
  masterSecret: string,
  name: SealKeyName,
  sealed: string,
  boundTo: string,
): Promise<string | null> {
  const [version, iv, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !ct) return null;
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(iv), additionalData: enc.encode(boundTo) },
      await sealKey(masterSecret, name),
      fromBase64(ct),
    );
    return new TextDecoder().decode(pt);
  } catch {
    return null;
  }
}
