// Auth routes: register, login (limited per email on failure), refresh rotation with reuse detection, logout, me.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { perPeriod } from "../domain/token-bucket";
import { ApiError } from "../errors";
import { principalOf, requireScope } from "../http/auth";
import type { App, AppEnv } from "../http/context";
import { LoginBody, RefreshBody, RegisterBody, Session, User } from "../schemas/auth";
import {
  bodyErrorResponses,
  errorResponses,
  jsonBody,
  jsonContent,
  problemResponse,
  security,
} from "../schemas/route-parts";
import { audit } from "../services/audit";
import { passwordWeakness } from "../services/passwords";
import {
  accountOf,
  endSession,
  publicUser,
  registerAccount,
  rotateSession,
  sha256Hex,
  signIn,
} from "../services/sessions";

const register = createRoute({
  method: "post",
  path: "/v1/auth/register",
  // A PBKDF2 hash each: 20 a minute from one anonymous address.
  "x-rate-limit-cost": 3,
  tags: ["auth"],
  summary: "Create an account and sign in",
  request: jsonBody(RegisterBody),
  responses: {
    201: jsonContent(Session, "Account created"),
    409: problemResponse("Email already registered"),
    ...bodyErrorResponses,
  },
});

const login = createRoute({
  method: "post",
  path: "/v1/auth/login",
  "x-rate-limit-cost": 3,
  tags: ["auth"],
  summary: "Exchange email and password for tokens",
  description:
    "Wrong email and wrong password answer alike. Failed logins are limited per (email, client address) and, more loosely, per email across addresses, except from an address that signed in to the account before (429 with Retry-After).",
  request: jsonBody(LoginBody),
  responses: { 200: jsonContent(Session, "Signed in"), ...bodyErrorResponses },
});

const refresh = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  "x-rate-limit-cost": 2,
  tags: ["auth"],
  summary: "Trade a refresh token for a new pair (the old one is spent)",
  description: "Presenting a spent refresh token revokes its whole family: every token of it answers 401 from then on.",
  request: jsonBody(RefreshBody),
  responses: { 200: jsonContent(Session, "A new token pair"), ...bodyErrorResponses },
});

const logout = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  "x-rate-limit-cost": 2,
  tags: ["auth"],
  summary: "Revoke the refresh token's whole family",
  description:
    "Needs the caller's credential. Always 204, also for a token that is unknown, already revoked or not the caller's (as RFC 7009 revocation does).",
  security,
  request: jsonBody(RefreshBody),
  responses: { 204: { description: "Signed out" }, ...bodyErrorResponses },
});

const me = createRoute({
  method: "get",
  path: "/v1/me",
  "x-rate-limit-cost": 1,
  tags: ["auth"],
  summary: "The authenticated caller",
  security,
  middleware: [requireScope("read")] as const,
  responses: { 200: jsonContent(User, "The caller"), ...errorResponses },
});

const invalidCredentials = () => new ApiError("unauthorized", "Email or password is incorrect");
const invalidRefresh = () => new ApiError("unauthorized", "The refresh token is invalid, expired or revoked");

/**
 * Takes one failure token for this login before the password is checked (per email and client address, and per
 * email across addresses unless this address has signed in to the account before) and gives it back on success,
 * so only failures count and concurrent guesses cannot overshoot. Someone else's failures from other addresses
 * can empty the email's budget but never the owner's own address's.
 */
async function reserveLoginAttempt(c: Context<AppEnv>, email: string) {
  const cfg = c.get("config");
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  const addressHash = await sha256Hex(`${email}\n${ip}`);
  const address = {
    name: `login-address:${addressHash}`,
    ...perPeriod(cfg.LOGIN_FAILURES_PER_WINDOW, cfg.LOGIN_FAILURE_WINDOW_SECONDS),
  };
  const anywhere = {
    name: "login-failures",
    ...perPeriod(cfg.LOGIN_FAILURES_PER_EMAIL_PER_WINDOW, cfg.LOGIN_FAILURE_WINDOW_SECONDS),
  };
  // Hashed so the limiter's object names and keys hold neither email addresses nor client IPs.
  const limiter = c.env.RATE_LIMITER.getByName(`login:${await sha256Hex(email)}`);
  const decision = await limiter.loginAttempt(address, anywhere, addressHash);
  if (!decision.allowed) {
    await audit(c, {
      action: "auth.login_locked",
      actor: email,
      target: email,
      outcome: "failure",
      detail: { limit: decision.deniedBy === anywhere.name ? "email" : "address" },
    });
    throw new ApiError("rate_limited", "Too many failed logins; try again later", {
      headers: { "Retry-After": String(decision.retryAfterSeconds) },
    });
  }
  const taken = decision.known ? [address] : [address, anywhere];
  return () => limiter.loginSucceeded(taken, addressHash, cfg.LOGIN_KNOWN_ADDRESS_DAYS * 86_400);
}

export function registerAuthRoutes(app: App) {
  app.openapi(register, async (c) => {
    const cfg = c.get("config");
    const body = c.req.valid("json");
    const weakness = await passwordWeakness(body.password);
    if (weakness) throw ApiError.validation(`password ${weakness}`, [{ path: "password", message: weakness }]);
    const registered = await registerAccount(c.env.DB, cfg, body);
    if (!registered) {
      await audit(c, {
        action: "auth.register",
        actor: body.email,
        target: body.email,
        outcome: "failure",
        detail: { reason: "email_taken" },
      });
      throw new ApiError("conflict", "An account with this email already exists");
    }
    const { user, tokens } = registered;
    await audit(c, { action: "auth.register", actor: user.id, target: user.id, outcome: "success" });
    c.header("Cache-Control", "no-store");
    return c.json({ user: publicUser(user), ...tokens }, 201);
  });

  app.openapi(login, async (c) => {
    const cfg = c.get("config");
    const body = c.req.valid("json");
    const email = body.email.trim().toLowerCase();
    const refund = await reserveLoginAttempt(c, email);
    const session = await signIn(c.env.DB, cfg, email, body.password);
    if (!session) {
      await audit(c, { action: "auth.login_failed", actor: email, target: email, outcome: "failure" });
      throw invalidCredentials();
    }
    await refund();
    const { user, tokens } = session;
    await audit(c, { action: "auth.login", actor: user.id, target: user.id, outcome: "success" });
    c.header("Cache-Control", "no-store");
    return c.json({ user: publicUser(user), ...tokens }, 200);
  });

  app.openapi(refresh, async (c) => {
    const { refresh_token } = c.req.valid("json");
    const outcome = await rotateSession(c.env, c.get("config"), refresh_token);
    if (outcome.kind === "reused") {
      await audit(c, {
        action: "auth.refresh_reuse",
        actor: outcome.userId,
        target: outcome.familyId,
        outcome: "failure",
        detail: { revoked: "family" },
      });
      throw invalidRefresh();
    }
    if (outcome.kind === "invalid") {
      await audit(c, { action: "auth.refresh", actor: outcome.userId, outcome: "failure" });
      throw invalidRefresh();
    }
    await audit(c, { action: "auth.refresh", actor: outcome.user.id, target: outcome.familyId, outcome: "success" });
    c.header("Cache-Control", "no-store");
    return c.json({ user: publicUser(outcome.user), ...outcome.tokens }, 200);
  });

  app.openapi(logout, async (c) => {
    const { refresh_token } = c.req.valid("json");
    const ended = await endSession(c.env, refresh_token, principalOf(c).userId);
    await audit(c, {
      action: "auth.logout",
      actor: ended?.userId,
      target: ended?.familyId,
      outcome: ended ? "success" : "failure",
    });
    return c.body(null, 204);
  });

  app.openapi(me, async (c) => {
    const p = principalOf(c);
    const user = await accountOf(c.env.DB, p.userId);
    if (!user) throw ApiError.notFound("User");
    return c.json(publicUser(user), 200);
  });
}
