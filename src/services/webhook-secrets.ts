// Webhook signing secrets at rest: AES-GCM under a key derived from JWT_SECRET with HKDF, so a database leak alone
// reveals no secret, while delivery can still recover it to sign.
import type { Config } from "../config";

const enc = new TextEncoder();
const dec = new TextDecoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(cfg: Config): Promise<CryptoKey> {
  let key = keys.get(cfg.JWT_SECRET);
  if (!key) {
    key = crypto.subtle.importKey("raw", enc.encode(cfg.JWT_SECRET), "HKDF", false, ["deriveKey"]).then((base) =>
      crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: enc.encode("edgeindex/webhooks"),
          info: enc.encode("webhook-secret v1"),
        },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      ),
    );
    keys.set(cfg.JWT_SECRET, key);
  }
  return key;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** `v1.<iv>.<ciphertext>`; the webhook id is bound as associated data, so a row's secret cannot be moved to another row. */
export async function sealSecret(cfg: Config, webhookId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(webhookId) },
    await keyFor(cfg),
    enc.encode(secret),
  );
  return `v1.${b64(iv)}.${b64(new Uint8Array(ct))}`;
}

export async function openSecret(cfg: Config, webhookId: string, sealed: string): Promise<string> {
  const [version, iv, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !ct) throw new Error("unknown webhook secret format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: unb64(iv), additionalData: enc.encode(webhookId) },
    await keyFor(cfg),
    unb64(ct),
  );
  return dec.decode(plain);
}

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the scheme Stripe popularised. */
export async function signatureHeader(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`${unixSeconds}.${body}`)));
  return `t=${unixSeconds},v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
