// Accounts, refresh-token families and API keys.
import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit, softDelete } from "./columns";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name"),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["admin", "user"] })
    .notNull()
    .default("user"),
  ...audit,
  ...softDelete,
});

/** The user a row belongs to (`column`: owner_id on owned resources, user_id on credentials). */
export const userRef = (column: "owner_id" | "user_id") =>
  text(column)
    .notNull()
    .references(() => users.id);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    userId: userRef("user_id"),
    familyId: text("family_id").notNull(),
    parentId: text("parent_id"),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: text("expires_at").notNull(),
    spentAt: text("spent_at"),
    revokedAt: text("revoked_at"),
    ...audit,
  },
  (t) => [index("refresh_tokens_family_idx").on(t.familyId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: userRef("user_id"),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    expiresAt: text("expires_at"),
    revokedAt: text("revoked_at"),
    signingSecretEnc: text("signing_secret_enc"),
    lastUsedAt: text("last_used_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("api_keys_user_idx").on(t.userId)],
);

/**
 * Revocation records: one row per revoked session (refresh family `fam_…`) or API key (`key_…`). Access tokens
 * name their session, so checking one is a primary-key lookup; see docs/SECURITY.md.
 */
export const revocations = sqliteTable(
  "revocations",
  {
    subject: text("subject").primaryKey(),
    userId: text("user_id").notNull(),
    reason: text("reason", {
      enum: ["logout", "refresh_reuse", "role_change", "user_deleted", "key_revoked"],
    }).notNull(),
    ...audit,
  },
  (t) => [index("revocations_user_idx").on(t.userId, t.createdAt)],
);
