// Auth request/response shapes.
import { z } from "@hono/zod-openapi";

/**
 * An address as mail systems accept it (RFC 5322 dot-atom local part, so `a+b/c&d@example.dev` is fine, with
 * UTF-8 letters as RFC 6531 allows; a domain of dot-separated labels), at most 64 octets before the `@` and 254
 * in all. Trimmed and lower-cased, so registration and login compare alike.
 */
const ATEXT = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]";
const LABEL = "[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?";
const MAILBOX = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@${LABEL}(?:\\.${LABEL})+$`, "u");
export const email = z
  .string()
  .trim()
  .max(254)
  .refine((e) => MAILBOX.test(e) && new TextEncoder().encode(e.slice(0, e.lastIndexOf("@"))).length <= 64, {
    message: "must be an email address",
  })
  .transform((e) => e.toLowerCase())
  .openapi({ example: "demo@edgeindex.dev", format: "email" });

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
