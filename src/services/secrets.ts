// Small crypto primitives for credentials: hex digests, HMAC, and AES-GCM sealing of secrets kept at rest.

const enc = new TextEncoder();

export const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  [...(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");

export async function sha256HexOf(data: string | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return toHex(await crypto.subtle.sign("HMAC", key, enc.encode(message)));
}

/** Compares two strings without an early exit, so timing does not reveal the common prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

const sealKeys = new Map<string, Promise<CryptoKey>>();

/**
 * A key for sealing secrets, derived from JWT_SECRET with HKDF under its own `info`, so the JWT signing
 * key itself is never used for encryption and each purpose gets an unrelated key.
 */
function sealKey(masterSecret: string, purpose: string): Promise<CryptoKey> {
  const id = `${purpose}\u0000${masterSecret}`;
  let key = sealKeys.get(id);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", enc.encode(masterSecret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: enc.encode("edgeindex/seal/v1"), info: enc.encode(purpose) },
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
export async function seal(masterSecret: string, purpose: string, plaintext: string, boundTo: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(boundTo) },
    await sealKey(masterSecret, purpose),
    enc.encode(plaintext),
  );
  return `v1.${b64(iv)}.${b64(new Uint8Array(ct))}`;
}

/** The plaintext, or null when the value was tampered with, moved, or sealed under another secret. */
export async function unseal(
  masterSecret: string,
  purpose: string,
  sealed: string,
  boundTo: string,
): Promise<string | null> {
  const [version, iv, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !ct) return null;
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(iv), additionalData: enc.encode(boundTo) },
      await sealKey(masterSecret, purpose),
      unb64(ct),
    );
    return new TextDecoder().decode(pt);
  } catch {
    return null;
  }
}
