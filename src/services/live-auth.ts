// Who a stream socket is: its first message carries an access JWT or an API key (browsers cannot set headers).
import { getConfig } from "../config";
import { resolveApiKey } from "../http/auth";
import { verifyAccessToken } from "./tokens";

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The user id behind a stream credential, or null (the socket is then closed 4001). */
export async function resolveStreamCredential(env: Env, token: string): Promise<string | null> {
  if (JWT_SHAPE.test(token)) {
    const claims = await verifyAccessToken(getConfig(env), token);
    if (!claims) return null;
    const user = await env.DB.prepare("SELECT id FROM users WHERE id = ? AND deleted_at IS NULL")
      .bind(claims.sub)
      .first<{ id: string }>();
    return user?.id ?? null;
  }
  return (await resolveApiKey(env, token))?.userId ?? null;
}
