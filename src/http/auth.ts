// Authentication (Bearer JWT) and the declarative guards routes use: requireScope / requireAdmin.
import { and, eq, isNull } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { getDb } from "../db/client";
import { users } from "../db/schema";
import { verifyAccessToken } from "../services/tokens";
import type { AppEnv, Principal } from "./context";
import { ApiError } from "./errors";

const unauthorized = (detail = "A valid access token or API key is required") =>
  new ApiError("unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="edgeindex"' } });

const ROLE_SCOPES: Record<Principal["role"], Principal["scopes"]> = {
  admin: ["read", "trade", "admin"],
  user: ["read", "trade"],
};

/** Resolves the caller from `Authorization: Bearer` into `principal`; anything else is 401. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) throw unauthorized();
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header);
    if (!match) throw unauthorized("The Authorization header must be `Bearer <token>`");
    const claims = await verifyAccessToken(c.get("config"), match[1]!);
    if (!claims) throw unauthorized("The access token is invalid or expired");
    const user = await getDb(c.env)
      .select({ id: users.id, role: users.role, email: users.email })
      .from(users)
      .where(and(eq(users.id, claims.sub), isNull(users.deletedAt)))
      .get();
    if (!user) throw unauthorized("The access token's user no longer exists");
    c.set("principal", { userId: user.id, role: user.role, scopes: ROLE_SCOPES[user.role], email: user.email });
    await next();
  };
}

export function principalOf(c: { get(key: "principal"): Principal | undefined }): Principal {
  const p = c.get("principal");
  if (!p) throw unauthorized();
  return p;
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
    if (p.role !== "admin" || !p.scopes.includes("admin")) throw new ApiError("forbidden", "Administrator access required");
    await next();
  };
}
