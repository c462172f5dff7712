// Finding 1: nobody becomes an admin by registering an address; only the operator's grant (npm run admin) does.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { changeRole, roleChangeStatements, toSqlScript } from "../../src/db/role-grants";
import { authed, freshEmail, loginAs, registerUser } from "../helpers/auth";
import { call } from "../helpers/http";

const NEW_ASSET = { symbol: "ZZZZ", name: "Shell Co", exchange: "NASDAQ", asset_class: "equity" };

describe("admin only through the operator's grant", () => {
  it("registering the seeded admin's address (any case) gives a plain user that admin routes refuse", async () => {
    const r = await call("/v1/auth/register", {
      method: "POST",
      json: { email: "ADMIN@EdgeIndex.dev", password: "squatting-the-admin-address" },
    });
    expect(r.status).toBe(201);
    expect(r.body.user.role).toBe("user");
    const as = authed(r.body.access_token);
    expect((await as("/v1/admin/audit")).status).toBe(403);
    expect((await as("/v1/assets", { method: "POST", json: NEW_ASSET })).status).toBe(403);
    expect((await as("/v1/me")).body.role).toBe("user");
  });

  it("a grant makes an admin, writes an operator audit row, and ends the sessions minted under the old role", async () => {
    const user = await registerUser(freshEmail("promoted"));
    expect(await changeRole(env.DB, `  ${user.email.toUpperCase()} `, "admin")).toBe(true);
    const row = await env.DB.prepare(
      "SELECT actor, action, target, detail FROM audit_log WHERE action = 'admin.grant' AND target = ?",
    )
      .bind(user.user.id)
      .first<{ actor: string; action: string; target: string; detail: string }>();
    expect(row).toMatchObject({ actor: "operator", action: "admin.grant", target: user.user.id });
    expect(JSON.parse(row!.detail)).toEqual({ email: user.email, from: "user", to: "admin" });
    // The old session is over; a new login carries the new role.
    expect((await authed(user.access_token)("/v1/me")).status).toBe(401);
    const admin = await loginAs(user.email);
    expect((await authed(admin.access_token)("/v1/admin/audit")).status).toBe(200);
    expect(await changeRole(env.DB, user.email, "user")).toBe(true);
    // The operator's change is made outside the Worker (wrangler d1 execute), so an isolate that just served this
    // session may hold its lookup for PRINCIPAL_CACHE_MS (at most 4 s, inside the 5 s revocation rule) — no longer.
    await new Promise((r) => setTimeout(r, getConfig(env).PRINCIPAL_CACHE_MS + 50));
    expect((await authed(admin.access_token)("/v1/admin/audit")).status).toBe(401);
  });

  it("a grant for an unknown address changes nothing and writes no row", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log").first<{ n: number }>();
    expect(await changeRole(env.DB, "nobody-here@example.com", "admin")).toBe(false);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("the operator script's SQL quotes what it inlines (no injection through the email)", () => {
    const script = toSqlScript(roleChangeStatements("x'; DROP TABLE users; --@example.com", "admin", "operator"));
    expect(script).toContain("'x''; drop table users; --@example.com'");
    expect(script).not.toMatch(/\?\d/);
  });
});
