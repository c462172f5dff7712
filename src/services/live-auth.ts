// Who a stream socket is: its first message carries an access JWT or an API key (browsers cannot set headers).
import { getConfig } from "../config";
import { findSessionHolder } from "../db/revocations";
import { findKeyIdentity } from "./api-keys";
import { isRevoked } from "./revocation";
import { verifyAccessToken } from "./tokens";

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface StreamCredential {
  userId: string;
  /** The session or key the socket lives by: when it is revoked, the socket is closed 4001. */
  credential: string;
}

/** The user and credential behind a stream token, or null (the socket is then closed 4001). */
export async function resolveStreamCredential(env: Env, token: string): Promise<StreamCredential | null> {
  if (JWT_SHAPE.test(token)) {
    const claims = await verifyAccessToken(getConfig(env), token);
    if (!claims) return null;
    const holder = await findSessionHolder(env.DB, claims.sub, claims.sid);
    return holder && !holder.revoked ? { userId: holder.id, credential: claims.sid } : null;
  }
  const key = await resolveApiKey(env, token);
  if (!key || (await isRevoked(env, key.keyId))) return null;
  return { userId: key.userId, credential: key.keyId };
}

/**
 * The user behind an API key, or null. Keys that must sign are refused, since a WebSocket message cannot carry
 * the request signature they promise, and so are keys without the `read` scope.
 */
export async function resolveApiKey(env: Env, key: string): Promise<{ userId: string; keyId: string } | null> {
  const found = await findKeyIdentity(env.DB, key);
  if (!found || found.signingSecretEnc || !found.keyId) return null;
  // The stream is a GET (`GET /v1/stream`): like every read, it needs the `read` scope.
  if (!(found.scopes ?? []).includes("read")) return null;
  return { userId: found.userId, keyId: found.keyId };
}
