// Refresh-token rotation, reuse detection (the whole family dies), logout, and concurrent use of one token.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { authed, loginAs, refresh, registerUser } from "../helpers/auth";
import { call } from "../helpers/http";

let email: string;

beforeAll(async () => {
  email = (await registerUser()).email;
});

const logout = (refresh_token: string, token?: string) =>
  call("/v1/auth/logout", { method: "POST", json: { refresh_token }, token });

describe("POST /v1/auth/refresh", () => {
  it("rotates: a new pair that works, and the old refresh token is spent", async () => {
    const s0 = await loginAs(email);
    const r1 = await refresh(s0.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ token_type: "Bearer", user: { email } });
    expect(r1.body.refresh_token).not.toBe(s0.refresh_token);
    expect((await authed(r1.body.access_token)("/v1/me")).status).toBe(200);
    const r2 = await refresh(r1.body.refresh_token);
    expect(r2.status).toBe(200);
    const rows = await env.DB.prepare(
      "SELECT family_id, parent_id, spent_at FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE spent_at IS NOT NULL ORDER BY created_at LIMIT 1)",
    ).all<{ family_id: string; parent_id: string | null; spent_at: string | null }>();
    expect(rows.results).toHaveLength(3);
    expect(rows.results.filter((r) => r.spent_at === null)).toHaveLength(1);
    expect(rows.results.filter((r) => r.parent_id === null)).toHaveLength(1);
  });

  it("revokes the whole family when a spent token comes back, the newest included", async () => {
    const s0 = await loginAs(email);
    const r1 = await refresh(s0.refresh_token);
    const r2 = await refresh(r1.body.refresh_token);
    expect(r2.status).toBe(200);
    // The thief replays the first (spent) token.
    const reuse = await refresh(s0.refresh_token);
    expect(reuse.status).toBe(401);
    expect(reuse.problem.code).toBe("unauthorized");
    for (const t of [s0.refresh_token, r1.body.refresh_token, r2.body.refresh_token]) {
      expect((await refresh(t)).status).toBe(401);
    }
    const audit = await env.DB.prepare(
      "SELECT outcome, detail FROM audit_log WHERE action = 'auth.refresh_reuse'",
    ).all();
    expect(audit.results.length).toBeGreaterThanOrEqual(1);
    // Other sessions of the same user live on.
    const other = await loginAs(email);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it("lets exactly one of two concurrent uses of one token win, and then revokes the family", async () => {
    const s0 = await loginAs(email);
    const [a, b] = await Promise.all([refresh(s0.refresh_token), refresh(s0.refresh_token)]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
    const winner = a.status === 200 ? a : b;
    expect((await refresh(winner.body.refresh_token)).status).toBe(401);
  });

  it("refuses unknown, malformed and expired tokens with 401 / 400", async () => {
    expect((await refresh("rt_doesnotexist")).status).toBe(401);
    expect((await call("/v1/auth/refresh", { method: "POST", json: {} })).status).toBe(400);
    expect((await call("/v1/auth/refresh", { method: "POST", json: { refresh_token: "x".repeat(300) } })).status).toBe(
      400,
    );
    const s = await loginAs(email);
    await env.DB.prepare(
      "UPDATE refresh_tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE spent_at IS NULL AND revoked_at IS NULL",
    ).run();
    expect((await refresh(s.refresh_token)).status).toBe(401);
  });

  it("refuses the refresh token of a deleted user", async () => {
    const gone = await registerUser();
    await env.DB.prepare("UPDATE users SET deleted_at = ? WHERE id = ?")
      .bind(new Date().toISOString(), gone.user.id)
      .run();
    expect((await refresh(gone.refresh_token)).status).toBe(401);
  });
});

describe("POST /v1/auth/logout", () => {
  it("answers 204 and revokes every token of the family", async () => {
    const s0 = await loginAs(email);
    const r1 = await refresh(s0.refresh_token);
    const out = await logout(r1.body.refresh_token, r1.body.access_token);
    expect(out.status).toBe(204);
    expect(out.text).toBe("");
    expect((await refresh(r1.body.refresh_token)).status).toBe(401);
    expect((await refresh(s0.refresh_token)).status).toBe(401);
  });

  it("answers 204 for an unknown token too (nothing to learn from it)", async () => {
    const s0 = await loginAs(email);
    const r = await logout("rt_unknown-token", s0.access_token);
    expect(r.status).toBe(204);
  });

  it("needs a credential: API.md exempts only register, login and refresh (401 without one)", async () => {
    const s0 = await loginAs(email);
    const r = await logout(s0.refresh_token);
    expect(r.status).toBe(401);
    expect(r.problem.code).toBe("unauthorized");
    expect((await refresh(s0.refresh_token)).status).toBe(200);
  });

  it("does not revoke another user's session", async () => {
    const mine = await loginAs(email);
    const other = await loginAs((await registerUser()).email);
    expect((await logout(other.refresh_token, mine.access_token)).status).toBe(204);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });
});
