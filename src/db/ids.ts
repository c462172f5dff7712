// Opaque, prefixed, unguessable ids (`usr_`, `key_`, `idx_`, ...), 128 bits of randomness.
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export type IdPrefix = "usr" | "key" | "idx" | "sim" | "ord" | "job" | "whk" | "alr" | "rtk" | "fam" | "fil" | "evt";

export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    // Bytes >= 248 are rejected so every character is equally likely (248 = 4 × 62).
    for (const b of crypto.getRandomValues(new Uint8Array(length))) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export const newId = (prefix: IdPrefix) => `${prefix}_${randomToken(22)}`;

export const isId = (prefix: IdPrefix, value: string) => new RegExp(`^${prefix}_[0-9A-Za-z]{22}$`).test(value);

export const nowIso = () => new Date().toISOString();
