// Auth routes: register, login, and the caller's identity.
import { createRoute } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { getDb } from "../db/client";
import { newId } from "../db/ids";
import { users } from "../db/schema";
import { authenticate, principalOf } from "../http/auth";
import type { App } from "../http/context";
import { ApiError } from "../http/errors";
import { LoginBody, RegisterBody, Session, User } from "../schemas/auth";
import { bodyErrorResponses, errorResponses, jsonBody, jsonContent, problemResponse, security } from "../schemas/common";
import { dummyPasswordHash, hashPassword, verifyPassword } from "../services/passwords";
import { issueSession, publicUser } from "../services/sessions";

const register = createRoute({
  method: "post",
  path: "/v1/auth/register",
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
  tags: ["auth"],
  summary: "Exchange email and password for tokens",
  request: jsonBody(LoginBody),
  responses: { 200: jsonContent(Session, "Signed in"), ...bodyErrorResponses },
});

const me = createRoute({
  method: "get",
  path: "/v1/me",
  tags: ["auth"],
  summary: "The authenticated caller",
  security,
  middleware: [authenticate()] as const,
  responses: { 200: jsonContent(User, "The caller"), ...errorResponses },
});

const invalidCredentials = () => new ApiError("unauthorized", "Email or password is incorrect");

export function registerAuthRoutes(app: App) {
  app.openapi(register, async (c) => {
    const cfg = c.get("config");
    const body = c.req.valid("json");
    const db = getDb(c.env);
    const role = cfg.ADMIN_EMAILS.includes(body.email) ? "admin" : "user";
    const passwordHash = await hashPassword(body.password, cfg.PASSWORD_ITERATIONS);
    const inserted = await db
      .insert(users)
      .values({ id: newId("usr"), email: body.email, name: body.name ?? null, passwordHash, role })
      .onConflictDoNothing()
      .returning()
      .get();
    if (!inserted) throw new ApiError("conflict", "An account with this email already exists");
    const { refreshTokenId: _, ...tokens } = await issueSession(db, cfg, inserted);
    return c.json({ user: publicUser(inserted), ...tokens }, 201);
  });

  app.openapi(login, async (c) => {
    const cfg = c.get("config");
    const body = c.req.valid("json");
    const db = getDb(c.env);
    const user = await db
      .select()
      .from(users)
      .where(and(eq(users.email, body.email.toLowerCase()), isNull(users.deletedAt)))
      .get();
    // Unknown emails still pay for one PBKDF2 verification, so both failures take alike time.
    const ok = await verifyPassword(body.password, user?.passwordHash ?? (await dummyPasswordHash(cfg.PASSWORD_ITERATIONS)));
    if (!user || !ok) throw invalidCredentials();
    const { refreshTokenId: _, ...tokens } = await issueSession(db, cfg, user);
    return c.json({ user: publicUser(user), ...tokens }, 200);
  });

  app.openapi(me, async (c) => {
    const p = principalOf(c);
    const user = await getDb(c.env).select().from(users).where(eq(users.id, p.userId)).get();
    if (!user) throw ApiError.notFound("User");
    return c.json(publicUser(user), 200);
  });
}
