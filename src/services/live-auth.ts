// Who a stream socket is: its first message carries an access JWT or an API key (browsers cannot set headers).
import { getConfig } from "../config";
import { findKeyIdentity } from "./api-keys";
import { gateUser } from "./sessions";
import { verifyAccessToken } from "./tokens";

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The user id behind a stream credential, or null (the socket is then closed 4001). */
export async function resolveStreamCredential(env: Env, token: string): Promise<string | null> {
  if (JWT_SHAPE.test(token)) {
    const claims = await verifyAccessToken(getConfig(env), token);
    if (!claims) return null;
    const user = await gateUser(env.DB, claims.sub);
    return user?.id ?? null;
  }
  return (await resolveApiKey(env, token))?.userId ?? null;
}

/**
 * The user behind an API key, or null. Keys that must sign are refused, since a WebSocket message cannot carry
 * the request signature they promise.
 */
export async function resolveApiKey(env: Env, key: string): Promise<{ userId: string } | null> {
  const found = await findKeyIdentity(env.DB, key);
  if (!found || found.signingSecretEnc) return null;
  return { userId: found.userId };
}
