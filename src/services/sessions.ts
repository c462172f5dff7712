// Sessions: an access JWT plus an opaque refresh token stored only as a hash, grouped in a family.
import type { Config } from "../config";
import type { Db } from "../db/client";
import { newId, randomToken } from "../db/ids";
import { refreshTokens, type users } from "../db/schema";
import { signAccessToken } from "./tokens";

export type UserRow = typeof users.$inferSelect;

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const publicUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  created_at: u.createdAt,
});

export interface SessionTokens {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** Issues a new pair; `family`/`parent` continue an existing family on rotation. */
export async function issueSession(
  db: Db,
  cfg: Config,
  user: UserRow,
  lineage: { familyId?: string; parentId?: string } = {},
): Promise<SessionTokens & { refreshTokenId: string }> {
  const { token, expiresIn } = await signAccessToken(cfg, user);
  const refresh = `rt_${randomToken(43)}`;
  const id = newId("rtk");
  await db.insert(refreshTokens).values({
    id,
    userId: user.id,
    familyId: lineage.familyId ?? newId("fam"),
    parentId: lineage.parentId ?? null,
    tokenHash: await sha256Hex(refresh),
    expiresAt: new Date(Date.now() + cfg.REFRESH_TOKEN_TTL_SECONDS * 1000).toISOString(),
  });
  return { access_token: token, refresh_token: refresh, token_type: "Bearer", expires_in: expiresIn, refreshTokenId: id };
}
