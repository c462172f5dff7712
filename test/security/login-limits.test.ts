// Finding 6: failed logins are limited per (email, IP) and, more loosely, per email; failures from other
// addresses never lock the owner out of their own address.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { freshIp, login, PASSWORD, registerUser } from "../helpers/auth";

const cfg = getConfig(env);

describe("login failure limits", () => {
  it("ten failures for an email from many addresses do not stop the owner's correct password from their address", async () => {
    const owner = await registerUser();
    const home = freshIp();
    expect((await login(owner.email, PASSWORD, home)).status).toBe(200); // the owner has used this address
    // The attack as found: ten failures from anywhere. Then far more, past the per-email budget.
    for (let i = 0; i < cfg.LOGIN_FAILURES_PER_EMAIL_PER_WINDOW + 2; i++)
      await login(owner.email, `guess-${i}-wrong-pw`, `203.0.113.${(i % 200) + 1}`);
    const fromElsewhere = await login(owner.email, "one-more-wrong-guess", freshIp());
    expect(fromElsewhere.status).toBe(429);
    const own = await login(owner.email, PASSWORD, home);
    expect(own.status).toBe(200);
  });

  it("limits one address to LOGIN_FAILURES_PER_WINDOW failures for an email; other addresses still get answers", async () => {
    const owner = await registerUser();
    const attacker = freshIp();
    for (let i = 0; i < cfg.LOGIN_FAILURES_PER_WINDOW; i++)
      expect((await login(owner.email, `wrong-guess-${i}-x`, attacker)).status).toBe(401);
    const blocked = await login(owner.email, PASSWORD, attacker);
    expect(blocked.status).toBe(429);
    expect(blocked.problem.code).toBe("rate_limited");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await login(owner.email, PASSWORD, freshIp())).status).toBe(200);
  });

  it("stops a spray across addresses at the per-email budget, exactly, even when guesses arrive at once", async () => {
    const owner = await registerUser();
    const n = cfg.LOGIN_FAILURES_PER_EMAIL_PER_WINDOW;
    const results = await Promise.all(
      Array.from({ length: n + 4 }, (_, i) => login(owner.email, `spray-${i}-wrong`, `192.0.2.${(i % 250) + 1}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(n);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    // A new address with the right password is refused too (nothing says it is the owner's).
    expect((await login(owner.email, PASSWORD, freshIp())).status).toBe(429);
  });
});
