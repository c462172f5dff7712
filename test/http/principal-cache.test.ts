// What an isolate may reuse between requests of one caller: a verified token until it expires, a user lookup
// for PRINCIPAL_CACHE_MS (inside the 5 s revocation rule) — and never longer.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { signAccessToken } from "../../src/services/tokens";
import { deleteUser } from "../helpers/auth";
import { call, userToken } from "../helpers/http";

const cfg = getConfig(env);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("principal cache", () => {
  it("holds a user lookup for at most PRINCIPAL_CACHE_MS, well inside the 5 s revocation rule", () => {
    expect(cfg.PRINCIPAL_CACHE_MS).toBeGreaterThan(0);
    expect(cfg.PRINCIPAL_CACHE_MS).toBeLessThanOrEqual(4000);
  });

  it("refuses a deleted user's token once the hold has passed, though the token itself verified before", async () => {
    const user = await userToken();
    expect((await call("/v1/me", { token: user.token })).status).toBe(200);
    await deleteUser(user.id);
    await sleep(cfg.PRINCIPAL_CACHE_MS + 50);
    const after = await call("/v1/me", { token: user.token });
    expect(after.status).toBe(401);
    expect(after.problem.code).toBe("unauthorized");
  });

  it("answers a role change with the new role's scopes once the hold has passed", async () => {
    const user = await userToken("admin");
    expect((await call("/v1/admin/audit", { token: user.token })).status).toBe(200);
    await env.DB.prepare("UPDATE users SET role = 'user' WHERE id = ?").bind(user.id).run();
    await sleep(cfg.PRINCIPAL_CACHE_MS + 50);
    expect((await call("/v1/admin/audit", { token: user.token })).status).toBe(403);
  });

  it("stops accepting a remembered token the moment it expires (exp plus the 5 s clock tolerance)", async () => {
    const user = await userToken();
    // Issued so that exp + 5 s tolerance falls 3 s from now (seconds: exp is a whole second).
    const issuedAt = Date.now() - cfg.ACCESS_TOKEN_TTL_SECONDS * 1000 - 2000;
    const { token } = await signAccessToken(cfg, { id: user.id, role: "user" }, "fam_principalcachetest", issuedAt);
    const refusedFrom = (Math.floor(issuedAt / 1000) + cfg.ACCESS_TOKEN_TTL_SECONDS + 5) * 1000;
    expect((await call("/v1/me", { token })).status).toBe(200);
    await sleep(Math.max(0, refusedFrom - Date.now()) + 1100);
    expect((await call("/v1/me", { token })).status).toBe(401);
  });

  it("never remembers a forged token: the same bad signature is refused every time", async () => {
    const user = await userToken();
    const [h, p] = user.token.split(".");
    const forged = `${h}.${p}.${"A".repeat(43)}`;
    for (let i = 0; i < 3; i++) expect((await call("/v1/me", { token: forged })).status).toBe(401);
    expect((await call("/v1/me", { token: user.token })).status).toBe(200);
  });
});
