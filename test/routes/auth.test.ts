// Register, login (alike failures, per-email failure limit), /v1/me, and the audit rows they write.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { authed, freshEmail, freshIp, login, PASSWORD, registerAdmin, registerUser } from "../helpers/auth";
import { call } from "../helpers/http";

let alice: Awaited<ReturnType<typeof registerUser>>;

beforeAll(async () => {
  alice = await registerUser();
});

async function auditRows(action: string, actor?: string) {
  const q = actor
    ? env.DB.prepare("SELECT * FROM audit_log WHERE action = ? AND actor = ? ORDER BY id").bind(action, actor)
    : env.DB.prepare("SELECT * FROM audit_log WHERE action = ? ORDER BY id").bind(action);
  return (await q.all<Record<string, unknown>>()).results;
}

describe("register", () => {
  it("answers 201 with the user and a token pair, and audits it", async () => {
    expect(alice.user).toMatchObject({ email: alice.email, role: "user", id: expect.stringMatching(/^usr_/) });
    expect(alice.token_type).toBe("Bearer");
    expect(alice.refresh_token).toMatch(/^rt_/);
    expect(alice.expires_in).toBeGreaterThan(0);
    const rows = await auditRows("auth.register", alice.user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "success", target: alice.user.id, request_id: expect.any(String) });
  });

  it("refuses a duplicate email with 409 and a short password with 400", async () => {
    const dup = await call("/v1/auth/register", {
      method: "POST",
      json: { email: alice.email.toUpperCase(), password: PASSWORD },
    });
    expect(dup.status).toBe(409);
    expect(dup.problem.code).toBe("conflict");
    const short = await call("/v1/auth/register", { method: "POST", json: { email: freshEmail(), password: "short" } });
    expect(short.status).toBe(400);
    expect(short.problem.errors![0]!.path).toBe("password");
  });

  it("never stores the password or the refresh token in clear", async () => {
    const user = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(alice.user.id)
      .first<{ password_hash: string }>();
    expect(user!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    const tokens = await env.DB.prepare("SELECT token_hash FROM refresh_tokens WHERE user_id = ?")
      .bind(alice.user.id)
      .all<{ token_hash: string }>();
    for (const t of tokens.results) {
      expect(t.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(t.token_hash).not.toContain(alice.refresh_token);
    }
  });
});

describe("login", () => {
  it("signs in with the right password, case-insensitively on the email", async () => {
    const r = await login(alice.email.toUpperCase());
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({ id: alice.user.id });
    const me = await authed(r.body.access_token as string)("/v1/me");
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: alice.user.id,
      email: alice.email,
      name: null,
      role: "user",
      created_at: expect.any(String),
    });
  });

  it("answers an unknown email and a wrong password alike: 401, same body but the request id", async () => {
    const unknown = await login(freshEmail("nobody"), "whatever-password-1");
    const wrong = await login(alice.email, "wrong-password-123");
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, request_id: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(unknown.problem.code).toBe("unauthorized");
    expect([...unknown.headers.keys()].filter((k) => !k.startsWith("ratelimit")).sort()).toEqual(
      [...wrong.headers.keys()].filter((k) => !k.startsWith("ratelimit")).sort(),
    );
  });

  it("takes alike time for an unknown email and a wrong password", async () => {
    const time = async (email: string) => {
      const t = performance.now();
      await login(email, "definitely-wrong-pw");
      return performance.now() - t;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 4; i++) {
      unknown.push(await time(freshEmail("ghost")));
      wrong.push(await time(alice.email));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it("limits failed logins per email across IPs, with Retry-After; a new address is refused even the right password", async () => {
    const victim = await registerUser();
    const limit = getConfig(env).LOGIN_FAILURES_PER_EMAIL_PER_WINDOW;
    for (let i = 0; i < limit; i++) {
      const r = await login(victim.email, `guess-number-${i}`, freshIp());
      expect(r.status).toBe(401);
    }
    const blocked = await login(victim.email, "guess-number-x", freshIp());
    expect(blocked.status).toBe(429);
    expect(blocked.problem.code).toBe("rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const right = await login(victim.email, PASSWORD, freshIp());
    expect(right.status).toBe(429);
    // Another account is not affected.
    expect((await login(alice.email, PASSWORD)).status).toBe(200);
    expect((await auditRows("auth.login_locked", victim.email)).length).toBeGreaterThanOrEqual(2);
  });

  it("counts only failures: successful logins leave the failure budget alone", async () => {
    const email = alice.email;
    const limit = getConfig(env).LOGIN_FAILURES_PER_WINDOW;
    for (let i = 0; i < limit + 3; i++) expect((await login(email)).status).toBe(200);
    expect((await login(email, "wrong-once-123")).status).toBe(401);
    expect((await login(email)).status).toBe(200);
  });

  it("admits exactly the failure budget when guesses arrive at once", async () => {
    const email = freshEmail("burst");
    const limit = getConfig(env).LOGIN_FAILURES_PER_EMAIL_PER_WINDOW;
    const results = await Promise.all(
      Array.from({ length: limit + 5 }, (_, i) => login(email, `burst-guess-${i}`, freshIp())),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  it("audits failed logins with the email as actor and no password anywhere", async () => {
    const email = freshEmail("audited");
    await login(email, "secret-password-never-logged");
    const rows = await auditRows("auth.login_failed", email);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "failure", target: email });
    expect(JSON.stringify(rows)).not.toContain("secret-password-never-logged");
  });
});

describe("/v1/me", () => {
  it("needs a credential", async () => {
    const r = await call("/v1/me");
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("reports an admin granted by the operator as admin", async () => {
    const admin = await registerAdmin();
    expect(admin.user.role).toBe("admin");
    const me = await authed(admin.access_token)("/v1/me");
    expect(me.body.role).toBe("admin");
  });
});
