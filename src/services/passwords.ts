// Password hashing: PBKDF2-SHA256 via WebCrypto, per-user salt, constant-time verification.
import { toBase64 as b64, timingSafeEqual, fromBase64 as unb64 } from "../crypto";

const enc = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** Format: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`, so iterations can rise later. */
export async function hashPassword(password: string, iterations: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${iterations}$${b64(salt)}$${b64(await derive(password, salt, iterations))}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iter || !salt || !hash) return false;
  const actual = await derive(password, unb64(salt), Number(iter));
  return timingSafeEqual(actual, unb64(hash));
}

let dummy: Promise<string> | undefined;
/**
 * A stored hash for a password nobody has: verifying an unknown email against it costs the same
 * PBKDF2 work as a real check, so login timing does not reveal which emails exist.
 */
export function dummyPasswordHash(iterations: number): Promise<string> {
  dummy ??= hashPassword(crypto.randomUUID(), iterations).catch(forget(() => (dummy = undefined)));
  return dummy;
}

/** A held promise that failed is dropped, so the next caller tries again instead of failing for the isolate's life. */
const forget =
  (drop: () => void) =>
  (err: unknown): never => {
    drop();
    throw err;
  };

let common: Promise<Set<string>> | undefined;
/**
 * The shipped common-password list: zxcvbn-ts's `passwords-common` dictionary (@zxcvbn-ts/language-common, MIT;
 * 49,233 entries drawn from the leaked-password corpora zxcvbn ranks). Loaded on first use so no other request
 * pays for decompressing it.
 */
export function commonPasswords(): Promise<Set<string>> {
  common ??= import("@zxcvbn-ts/language-common").then(
    ({ dictionary }) => new Set(dictionary["passwords-common"].map((p) => p.toLowerCase())),
    forget(() => (common = undefined)),
  );
  return common;
}

/** Why a new password is refused (beyond its length, which the schema checks), or undefined when it is fine. */
export async function passwordWeakness(password: string): Promise<string | undefined> {
  if (new Set(password).size <= 1) return "must not be one character repeated";
  if ((await commonPasswords()).has(password.toLowerCase())) return "is on the list of commonly used passwords";
  return undefined;
}
