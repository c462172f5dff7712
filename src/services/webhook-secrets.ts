// Webhook signing secrets at rest (sealed under their own HKDF key, so a database leak alone reveals no secret,
// while delivery can still recover it to sign) and the signature header receivers verify.
import type { Config } from "../config";
import { hmacSha256Hex, type SealKeyName, seal, unseal } from "../crypto";

/** The HKDF salt and info webhook secrets have always been sealed under: changing them would orphan stored rows. */
const WEBHOOK_SEAL: SealKeyName = { salt: "edgeindex/webhooks", info: "webhook-secret v1" };

/** `v1.<iv>.<ciphertext>`; the webhook id is bound as associated data, so a row's secret cannot be moved to another row. */
export function sealSecret(cfg: Config, webhookId: string, secret: string): Promise<string> {
  return seal(cfg.JWT_SECRET, WEBHOOK_SEAL, secret, webhookId);
}

export async function openSecret(cfg: Config, webhookId: string, sealed: string): Promise<string> {
  const secret = await unseal(cfg.JWT_SECRET, WEBHOOK_SEAL, sealed, webhookId);
  if (secret === null) throw new Error("webhook secret cannot be opened (unknown format, moved or tampered with)");
  return secret;
}

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the scheme Stripe popularised. */
export async function signatureHeader(secret: string, body: string, unixSeconds: number): Promise<string> {
  return `t=${unixSeconds},v1=${await hmacSha256Hex(secret, `${unixSeconds}.${body}`)}`;
}
