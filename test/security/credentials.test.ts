// Finding 10 (credentials): common and one-character passwords refused, real-world emails accepted, tokens never cached.
import { dictionary } from "@zxcvbn-ts/language-common";
import { describe, expect, it } from "vitest";
import { freshEmail, freshIp, PASSWORD, refresh } from "../helpers/auth";
import { call } from "../helpers/http";

// Each call from an address of its own: registration costs 3 tokens of an address's 60 a minute.
const register = (email: string, password: string) =>
  call("/v1/auth/register", { method: "POST", json: { email, password }, headers: { "cf-connecting-ip": freshIp() } });

describe("passwords", () => {
  it.each([
    ["aaaaaaaaaaaa", "one character repeated"],
    ["\u0000".repeat(12), "twelve NUL bytes"],
    ["ééééééééééééé", "one accented character repeated"],
    ["password1234", "a common password"],
    ["PASSWORD1234", "a common password in capitals"],
    ["qwertyuiop123", "a keyboard walk on the list"],
  ])("refuses %j (%s) with 400 naming the field, and creates no account", async (password) => {
    const email = freshEmail("weak");
    const r = await register(email, password);
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("validation_failed");
    expect(r.problem.errors![0]!.path).toBe("password");
    const login = await call("/v1/auth/login", {
      method: "POST",
      json: { email, password },
      headers: { "cf-connecting-ip": freshIp() },
    });
    expect(login.status).toBe(401);
  });

  it("ships a common-password list of at least 10,000 entries and refuses its long entries", async () => {
    const list = dictionary["passwords-common"];
    expect(list.length).toBeGreaterThanOrEqual(10_000);
    const long = list.filter((p) => p.length >= 12 && p.length <= 256 && new Set(p).size > 1);
    // A spread of the list's long entries, not hand-picked ones.
    for (const p of long.filter((_, i) => i % Math.ceil(long.length / 8) === 0)) {
      const r = await register(freshEmail("listed"), p);
      expect(r.status, p).toBe(400);
    }
  });
});

describe("emails", () => {
  it.each(["a+b/c&d@example.dev", "o'neil@example.com", "user.name+tag@sub.example.co.uk", "üñí@exämple.de", "x@a.io"])(
    "accepts %s, compared trimmed and case-insensitively",
    async (email) => {
      const r = await register(`  ${email.toUpperCase()} `, PASSWORD);
      expect(r.status, r.text).toBe(201);
      expect(r.body.user.email).toBe(email.toLowerCase());
      const dup = await register(email, PASSWORD);
      expect(dup.status).toBe(409);
    },
  );

  it.each([
    "plainaddress",
    "a@b",
    ".a@example.com",
    "a..b@example.com",
    "a@-example.com",
    "a b@example.com",
    `${"a".repeat(65)}@example.com`,
  ])("refuses %j with 400 naming the field", async (email) => {
    const r = await register(email, PASSWORD);
    expect(r.status).toBe(400);
    expect(r.problem.errors![0]!.path).toBe("email");
  });
});

describe("token responses", () => {
  it("carry Cache-Control: no-store on register, login and refresh", async () => {
    const email = freshEmail("nostore");
    const reg = await register(email, PASSWORD);
    expect(reg.headers.get("cache-control")).toBe("no-store");
    const login = await call("/v1/auth/login", {
      method: "POST",
      json: { email, password: PASSWORD },
      headers: { "cf-connecting-ip": freshIp() },
    });
    expect(login.status).toBe(200);
    expect(login.headers.get("cache-control")).toBe("no-store");
    const next = await refresh(login.body.refresh_token);
    expect(next.status).toBe(200);
    expect(next.headers.get("cache-control")).toBe("no-store");
  });
});
