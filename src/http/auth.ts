// Who is calling (Bearer JWT or X-API-Key, signed when the key demands it), the /v1 gate, and the guards routes declare.
import type { Context, MiddlewareHandler } from "hono";

import { ApiError } from "../errors";
import {
  checkSignature,
  findKeyIdentity,
  ROLE_SCOPES,
  SIGNATURE_REPLAY_WINDOW_SECONDS,
  touchKey,
} from "../services/api-keys";
import { isRevoked } from "../services/revocation";
import { sessionHolder } from "../services/sessions";
import { verifyAccessToken } from "../services/tokens";
import type { AppEnv, Identity, Principal } from "./context";
import { delegationOf } from "./delegation";
import { timed } from "./server-timing";

const unauthorized = (detail = "A valid access token or API key is required") =>
  new ApiError("unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="edgeindex"' } });

/**
 * The only /v1 routes reachable without a credential (API.md: register, login, refresh); the stream
 * authenticates with its first message. Logout is not among them: it needs the caller's credential.
 */
const PUBLIC_PATHS = new Set(["/v1/auth/register", "/v1/auth/login", "/v1/auth/refresh", "/v1/stream"]);

/** Whether a path answers without a credential (the OpenAPI document declares `security: []` for exactly these). */
export const isPublicPath = (path: string) => !isApiPath(path) || PUBLIC_PATHS.has(path);

/** The paths behind identify(), the rate limiter and the credential gate (app.ts mounts them on these). */
export const isApiPath = (path: string) => path.startsWith("/v1/") || path === "/mcp";

/** RFC 7235: the auth scheme is case-insensitive (`bearer`, `BEARER`); one space, then the token. */
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/i;

async function readIdentity(c: Context<AppEnv>): Promise<Identity | ApiError | undefined> {
  const authorization = c.req.header("authorization");
  const apiKey = c.req.header("x-api-key");
  if (authorization === undefined && apiKey === undefined) return undefined;
  if (authorization !== undefined && apiKey !== undefined)
    return unauthorized("Send either Authorization or X-API-Key, not both");
  if (apiKey !== undefined) {
    const found = apiKey.length <= 256 ? await findKeyIdentity(c.env.DB, apiKey) : null;
    if (!found) return unauthorized("The API key is invalid, revoked or expired");
    const { lastUsedAt, ...identity } = found;
    const touch = touchKey(c.env.DB, found.keyId!, lastUsedAt).catch(() => undefined);
    try {
      c.executionCtx.waitUntil(touch);
    } catch {
      await touch;
    }
    return identity;
  }
  const match = BEARER.exec(authorization!);
  if (!match) return unauthorized("The Authorization header must be `Bearer <token>`");
  const claims = await verifyAccessToken(c.get("config"), match[1]!);
  if (!claims) return unauthorized("The access token is invalid or expired");
  return { userId: claims.sub, role: claims.role, sessionId: claims.sid };
}

/**
 * Reads the credential without refusing anything: the rate limiter needs to know whose bucket to charge
 * (key, user, or client IP) before the gate answers 401, so bad credentials are limited per IP.
 */
export function identify(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const delegated = delegationOf(c.req.raw);
    if (delegated) {
      // Admitted on the outer request; the inner one draws from the same rate-limit bucket.
      c.set("identity", delegated.identity);
      c.set("principal", delegated.principal);
      c.set("channel", delegated.channel);
    } else if (!c.get("identity") && !c.get("credentialError")) {
      const found = await timed(c, "auth", readIdentity(c));
      if (found instanceof ApiError) c.set("credentialError", found);
      else if (found) c.set("identity", found);
    }
    await next();
  };
}

async function verifySignedRequest(c: Context<AppEnv>, identity: Identity): Promise<void> {
  const url = new URL(c.req.url);
  const check = await checkSignature(c.get("config"), identity, {
    timestamp: c.req.header("x-timestamp"),
    signature: c.req.header("x-signature"),
    method: c.req.method,
    pathAndQuery: url.pathname + url.search,
    body: await c.req.arrayBuffer(),
  });
  if (!check.ok) throw unauthorized(check.reason);
  // The key's own limiter object is the single writer for its seen signatures, so a replay is caught exactly.
  const fresh = await c.env.RATE_LIMITER.getByName(`key:${identity.keyId}`).claimOnce(
    check.signature,
    SIGNATURE_REPLAY_WINDOW_SECONDS,
  );
  if (!fresh) throw unauthorized("This signed request was already used");
}

/** The JWT's user and whether its session was revoked, in one round trip, held briefly (services/sessions). */
const findUser = (c: Context<AppEnv>, identity: Identity) =>
  sessionHolder(c.env.DB, identity.userId, identity.sessionId!, c.get("config").PRINCIPAL_CACHE_MS);

/**
 * Starts the JWT user's D1 lookup now, so it overlaps the rate limiter's round trip instead of following it.
 * The rate limiter calls this once the request is past the isolate's own denial check.
 */
export function lookUpUserEarly(c: Context<AppEnv>): void {
  const identity = c.get("identity");
  if (!identity || identity.keyId || c.get("userLookup") || PUBLIC_PATHS.has(c.req.path)) return;
  const lookup = findUser(c, identity);
  lookup.catch(() => undefined); // awaited (and its failure surfaced) by the gate
  c.set("userLookup", lookup);
}

/** Turns a verified identity into the principal, or throws 401. */
async function admit(c: Context<AppEnv>): Promise<void> {
  if (c.get("principal")) return;
  const error = c.get("credentialError");
  if (error) throw error;
  const identity = c.get("identity");
  if (!identity) throw unauthorized();
  if (identity.keyId) {
    // The key row was read live, but a principal cache may sit in front of it: the revocation record decides.
    if (await isRevoked(c.env, identity.keyId)) throw unauthorized("The API key is invalid, revoked or expired");
    if (identity.signingSecretEnc) await verifySignedRequest(c, identity);
    c.set("principal", {
      userId: identity.userId,
      role: identity.role,
      scopes: identity.scopes ?? [],
      keyId: identity.keyId,
    });
    return;
  }
  // The JWT is genuine, but its user may have been deleted or changed role, or its session ended, since it was issued.
  const user = await timed(c, "user", c.get("userLookup") ?? findUser(c, identity));
  if (!user) throw unauthorized("The access token's user no longer exists");
  if (user.revoked) throw unauthorized("The access token's session has ended");
  c.set("principal", {
    userId: user.id,
    role: user.role,
    scopes: ROLE_SCOPES[user.role],
    email: user.email,
    sessionId: identity.sessionId,
  });
}

/** The /v1 gate: everything needs a valid credential except the public auth routes. Runs after `identify()`. */
export function requireAuthentication(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!PUBLIC_PATHS.has(c.req.path)) await admit(c);
    await next();
  };
}

/** Identify and admit in one step, for a route or app that is not behind the /v1 gate. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  const read = identify();
  return (c, next) =>
    read(c, async () => {
      await admit(c);
      await next();
    });
}

export function principalOf(c: { get(key: "principal"): Principal | undefined }): Principal {
  const p = c.get("principal");
  if (!p) throw unauthorized();
  return p;
}

/**
 * The owner id to put in the WHERE of every query on owned resources (indexes, simulations, orders, keys...).
 * Filtering by it makes someone else's id indistinguishable from a missing one: 404, never 403.
 */
export function ownerScope(c: { get(key: "principal"): Principal | undefined }): string {
  return principalOf(c).userId;
}

export function requireScope(scope: Principal["scopes"][number]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = principalOf(c);
    if (!p.scopes.includes(scope)) throw new ApiError("forbidden", `This credential lacks the '${scope}' scope`);
    await next();
  };
}

export function requireAdmin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = principalOf(c);
    if (p.role !== "admin" || !p.scopes.includes("admin"))
      throw new ApiError("forbidden", "Administrator access required");
    await next();
  };
}
