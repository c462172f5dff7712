// Access tokens: short-lived HS256 JWTs (jose) with iss/aud/sub/exp/iat/jti and their session (sid), algorithm pinned.
import { jwtVerify, SignJWT } from "jose";
import type { Config } from "../config";
import { newId } from "../db/ids";
import { IsolateMemory } from "./isolate-memory";

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

const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Tokens this isolate has verified, with their expiry: the same string verifies the same way until it expires,
 * so a repeat costs a map lookup instead of an HMAC. Only genuine tokens are held (a forged one is re-checked
 * every time); whether the user or session still stands is the gate's question, asked separately.
 */
const verified = new IsolateMemory<AccessClaims>(10_000);

/** For tests: verify every token afresh. */
export function forgetVerifiedTokens(): void {
  verified.clear();
}

/** Returns the claims, or null for any token that is not ours, not HS256, expired, early, or malformed. */
export async function verifyAccessToken(cfg: Config, token: string): Promise<AccessClaims | null> {
  if (token.length > 4096) return null;
  // Everything the verdict depends on is in the key, so another secret, issuer or audience verifies afresh.
  const memoKey = `${cfg.JWT_SECRET}|${cfg.JWT_ISSUER}|${cfg.JWT_AUDIENCE}|${token}`;
  const held = verified.get(memoKey);
  if (held) return held;
  const claims = await verifyFresh(cfg, token);
  if (claims) verified.set(memoKey, claims.claims, claims.expiresAtMs - Date.now());
  return claims?.claims ?? null;
}

async function verifyFresh(cfg: Config, token: string): Promise<{ claims: AccessClaims; expiresAtMs: number } | null> {
  try {
    const { payload } = await jwtVerify(token, secretKey(cfg), {
      algorithms: ["HS256"],
      issuer: cfg.JWT_ISSUER,
      audience: cfg.JWT_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat", "jti", "iss", "aud"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    const { role, sid } = payload;
    if ((role !== "admin" && role !== "user") || typeof payload.sub !== "string" || typeof payload.jti !== "string") {
      return null;
    }
    // A token without a session could not be revoked, so it is not accepted.
    if (typeof sid !== "string" || !SESSION_ID.test(sid)) return null;
    // Held until jose would refuse it: exp plus the same tolerance.
    const expiresAtMs = ((payload.exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000;
    return { claims: { sub: payload.sub, role, jti: payload.jti, sid }, expiresAtMs };
  } catch {
    return null;
  }
}
