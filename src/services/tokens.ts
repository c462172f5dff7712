// Access tokens: short-lived HS256 JWTs (jose) with iss/aud/sub/exp/iat/jti and their session (sid), algorithm pinned.
import { jwtVerify, SignJWT } from "jose";
import type { Config } from "../config";
import { newId } from "../db/ids";

export interface AccessClaims {
  sub: string;
  role: "admin" | "user";
  jti: string;
  /** The session (refresh-token family) the token belongs to: revoking it ends the token. */
  sid: string;
}

const SESSION_ID = /^fam_[0-9A-Za-z]{1,64}$/;

const secretKey = (cfg: Config) => new TextEncoder().encode(cfg.JWT_SECRET);

export async function signAccessToken(
  cfg: Config,
  user: { id: string; role: "admin" | "user" },
  sessionId: string,
  now = Date.now(),
) {
  const iat = Math.floor(now / 1000);
  const token = await new SignJWT({ role: user.role, sid: sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(cfg.JWT_ISSUER)
    .setAudience(cfg.JWT_AUDIENCE)
    .setSubject(user.id)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + cfg.ACCESS_TOKEN_TTL_SECONDS)
    .setJti(newId("evt"))
    .sign(secretKey(cfg));
  return { token, expiresIn: cfg.ACCESS_TOKEN_TTL_SECONDS };
}

/** Returns the claims, or null for any token that is not ours, not HS256, expired, early, or malformed. */
export async function verifyAccessToken(cfg: Config, token: string): Promise<AccessClaims | null> {
  if (token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, secretKey(cfg), {
      algorithms: ["HS256"],
      issuer: cfg.JWT_ISSUER,
      audience: cfg.JWT_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat", "jti", "iss", "aud"],
      clockTolerance: 5,
    });
    const { role, sid } = payload;
    if ((role !== "admin" && role !== "user") || typeof payload.sub !== "string" || typeof payload.jti !== "string") {
      return null;
    }
    // A token without a session could not be revoked, so it is not accepted.
    if (typeof sid !== "string" || !SESSION_ID.test(sid)) return null;
    return { sub: payload.sub, role, jti: payload.jti, sid };
  } catch {
    return null;
  }
}
