// Auth request/response shapes.
import { z } from "@hono/zod-openapi";

export const email = z
  .string()
  .max(254)
  .email()
  .transform((e) => e.toLowerCase())
  .openapi({ example: "demo@edgeindex.dev" });

export const RegisterBody = z
  .strictObject({
    email,
    password: z.string().min(12, "must be at least 12 characters").max(256),
    name: z.string().trim().min(1).max(100).optional(),
  })
  .openapi("RegisterBody");

export const LoginBody = z
  .strictObject({ email: z.string().max(254), password: z.string().max(256) })
  .openapi("LoginBody");

export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(256) }).openapi("RefreshBody");

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(["admin", "user"]),
    created_at: z.string(),
  })
  .openapi("User");

export const TokenPair = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
});

export const Session = TokenPair.extend({ user: User }).openapi("Session");
