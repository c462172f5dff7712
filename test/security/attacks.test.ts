// Attack list: every way in that must fail (forged, confused, expired, revoked, escalated, oversized, injected credentials).
import { env } from "cloudflare:test";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { signAccessToken } from "../../src/services/tokens";
import type { Problem } from "../helpers/answers";
import { createKey, deleteUser, freshIp, login, refresh, registerAdmin, registerUser } from "../helpers/auth";
import { call } from "../helpers/http";

const cfg = getConfig(env);
const enc = new TextEncoder();
const b64url = (data: string | Uint8Array) =>
  btoa(typeof data === "string" ? data : String.fromCharCode(...data))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const segment = (obj: unknown) => b64url(JSON.stringify(obj));

async function hmac(secret: Uint8Array | string, data: string): Promise<string> {
  const raw = typeof secret === "string" ? enc.encode(secret) : secret;
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(data))));
}

const claimsFor = (sub: string, extra: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub,
    role: "user",
    iss: cfg.JWT_ISSUER,
    aud: cfg.JWT_AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + 600,
    jti: "evt_attack",
    ...extra,
  };
};

const hs256 = (claims: Record<string, unknown>, secret = cfg.JWT_SECRET, alg = "HS256") =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(enc.encode(secret));

let victim: Awaited<ReturnType<typeof registerUser>>;
let victimToken: string;
const cases: Array<{
  name: string;
  request: () => Promise<{ status: number; problem: Problem }>;
  expect: 401 | 403 | 400 | 404;
}> = [];
const bearer = (token: string, path = "/v1/me", init: RequestInit = {}) =>
  call(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": freshIp(), ...(init.headers ?? {}) },
  });
const apiKey = (key: string, path = "/v1/me", init: RequestInit & { json?: unknown } = {}) =>
  call(path, { ...init, headers: { "x-api-key": key, "cf-connecting-ip": freshIp() } });

beforeAll(async () => {
  victim = await registerUser();
  victimToken = victim.access_token;
});

describe("attacks that must not get in", () => {
  const attack = (
    name: string,
    expected: 401 | 403 | 400 | 404,
    request: () => Promise<{ status: number; problem: Problem }>,
  ) => cases.push({ name, request, expect: expected });

  attack("no credential at all", 401, () => call("/v1/me", { headers: { "cf-connecting-ip": freshIp() } }));
  attack("garbage bearer", 401, () => bearer("not-a-token"));
  attack("Basic auth instead of Bearer", 401, () =>
    call("/v1/me", { headers: { authorization: `Basic ${btoa("a:b")}`, "cf-connecting-ip": freshIp() } }),
  );
  attack("empty bearer", 401, () =>
    call("/v1/me", { headers: { authorization: "Bearer ", "cf-connecting-ip": freshIp() } }),
  );
  attack("alg: none", 401, async () =>
    bearer(`${segment({ alg: "none", typ: "JWT" })}.${segment(claimsFor(victim.user.id))}.`),
  );
  attack("alg: NONE with a junk signature", 401, async () =>
    bearer(`${segment({ alg: "NONE", typ: "JWT" })}.${segment(claimsFor(victim.user.id))}.${b64url("x")}`),
  );
  attack("RS256 signed with a fresh RSA key", 401, async () => {
    const { privateKey } = await generateKeyPair("RS256");
    return bearer(await new SignJWT(claimsFor(victim.user.id)).setProtectedHeader({ alg: "RS256" }).sign(privateKey));
  });
  attack("header says RS256, signed with the HS secret (alg confusion)", 401, async () => {
    const input = `${segment({ alg: "RS256", typ: "JWT" })}.${segment(claimsFor(victim.user.id))}`;
    return bearer(`${input}.${await hmac(cfg.JWT_SECRET, input)}`);
  });
  attack("HS256 signed with an RSA public key as the HMAC secret", 401, async () => {
    const { publicKey } = await generateKeyPair("RS256", { extractable: true });
    const pem = await exportSPKI(publicKey);
    const input = `${segment({ alg: "HS256", typ: "JWT" })}.${segment(claimsFor(victim.user.id))}`;
    return bearer(`${input}.${await hmac(pem, input)}`);
  });
  attack("HS512 with the right secret (algorithm is pinned)", 401, async () =>
    bearer(await hs256(claimsFor(victim.user.id), cfg.JWT_SECRET, "HS512")),
  );
  attack("HS256 with another secret", 401, async () =>
    bearer(await hs256(claimsFor(victim.user.id), "another-secret-0123456789abcdef0123456789")),
  );
  attack("wrong issuer", 401, async () =>
    bearer(await hs256(claimsFor(victim.user.id, { iss: "https://evil.example" }))),
  );
  attack("wrong audience", 401, async () => bearer(await hs256(claimsFor(victim.user.id, { aud: "someone-else" }))));
  attack("expired", 401, async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    return bearer(await hs256(claimsFor(victim.user.id, { iat: past - 600, nbf: past - 600, exp: past })));
  });
  attack("not yet valid (nbf in the future)", 401, async () => {
    const later = Math.floor(Date.now() / 1000) + 3600;
    return bearer(await hs256(claimsFor(victim.user.id, { nbf: later, exp: later + 600 })));
  });
  attack("missing jti", 401, async () => bearer(await hs256({ ...claimsFor(victim.user.id), jti: undefined })));
  attack("tampered payload (role: admin, original signature)", 401, async () => {
    const [h, , s] = victimToken.split(".");
    return bearer(`${h}.${segment(claimsFor(victim.user.id, { role: "admin" }))}.${s}`, "/v1/admin/audit");
  });
  attack("signature stripped", 401, async () => bearer(`${victimToken.split(".").slice(0, 2).join(".")}.`));
  attack("token of a deleted user", 401, async () => {
    const gone = await registerUser();
    await deleteUser(gone.user.id);
    return bearer(gone.access_token);
  });
  attack("genuine token whose admin role claim is stale (user was demoted)", 403, async () => {
    const { token } = await signAccessToken(cfg, { id: victim.user.id, role: "admin" }, "fam_stale0role0claim");
    return bearer(token, "/v1/admin/audit");
  });
  attack("refresh token presented as an access token", 401, () => bearer(victim.refresh_token));
  // Longer than any refresh token can be, so it fails validation before any lookup.
  attack("access token presented as a refresh token", 400, () => refresh(victimToken));
  attack("revoked API key", 401, async () => {
    const k = await createKey(victimToken);
    await bearer(victimToken, `/v1/api-keys/${k.id}`, { method: "DELETE" });
    return apiKey(k.key);
  });
  attack("expired API key", 401, async () => {
    const k = await createKey(victimToken, { name: "exp", expires_at: new Date(Date.now() + 60_000).toISOString() });
    await env.DB.prepare("UPDATE api_keys SET expires_at = '2001-01-01T00:00:00.000Z' WHERE id = ?").bind(k.id).run();
    return apiKey(k.key);
  });
  attack("API key with too few scopes (read key placing a trade)", 403, async () => {
    const k = await createKey(victimToken, { name: "reader", scopes: ["read"] });
    return call("/v1/simulations", {
      method: "POST",
      json: {},
      headers: { "x-api-key": k.key, "cf-connecting-ip": freshIp() },
    });
  });
  attack("non-admin's key with admin scope forced into the database", 403, async () => {
    const k = await createKey(victimToken, { name: "sneaky" });
    await env.DB.prepare(`UPDATE api_keys SET scopes = '["read","trade","admin"]' WHERE id = ?`).bind(k.id).run();
    return apiKey(k.key, "/v1/admin/audit");
  });
  attack("the visible key prefix alone", 401, async () => apiKey((await createKey(victimToken)).prefix));
  attack("right prefix, guessed remainder", 401, async () => {
    const k = await createKey(victimToken);
    return apiKey(`${k.prefix}${"A".repeat(k.key.length - k.prefix.length)}`);
  });
  attack("API key sent as Bearer", 401, async () => bearer((await createKey(victimToken)).key));
  attack("JWT sent as X-API-Key", 401, () => apiKey(victimToken));
  attack("valid Bearer and valid X-API-Key together", 401, async () => {
    const k = await createKey(victimToken);
    return call("/v1/me", {
      headers: { authorization: `Bearer ${victimToken}`, "x-api-key": k.key, "cf-connecting-ip": freshIp() },
    });
  });
  attack("spent refresh token", 401, async () => {
    const s = await login(victim.email);
    await refresh(s.body.refresh_token);
    return refresh(s.body.refresh_token);
  });
  attack("the family's newest refresh token after a reuse", 401, async () => {
    const s = await login(victim.email);
    const next = await refresh(s.body.refresh_token);
    await refresh(s.body.refresh_token);
    return refresh(next.body.refresh_token);
  });
  attack("user on an admin read route", 403, () => bearer(victimToken, "/v1/admin/audit"));
  attack("user creating an asset (admin route)", 403, () =>
    call("/v1/assets", {
      method: "POST",
      token: victimToken,
      json: { symbol: "EVIL", name: "x", exchange: "X", asset_class: "equity", currency: "USD" },
    }),
  );
  attack("user minting an admin-scoped key", 403, () =>
    call("/v1/api-keys", { method: "POST", token: victimToken, json: { name: "x", scopes: ["admin"] } }),
  );
  attack("SQL-ish login email", 401, () => login("' OR 1=1 --", "anything-at-all"));
  attack("SQL-ish login password for a real email", 401, () => login(victim.email, "' OR '1'='1' --"));
  attack("SQL-ish API key", 401, () => apiKey("ei_live_' OR '1'='1"));
  attack("SQL-ish bearer", 401, () => bearer("' OR 1=1--"));
  attack("oversized bearer (10 kB)", 401, () => bearer("a".repeat(10_000)));
  attack("oversized API key (10 kB)", 401, () => apiKey(`ei_live_${"a".repeat(10_000)}`));
  attack("oversized login password (10 kB)", 400, () => login(victim.email, "p".repeat(10_000)));
  attack("oversized refresh token (10 kB)", 400, () => refresh("r".repeat(10_000)));
  attack("deleting someone else's API key", 404, async () => {
    const other = await registerUser();
    const theirs = await createKey(other.access_token);
    return call(`/v1/api-keys/${theirs.id}`, { method: "DELETE", token: victimToken });
  });
  attack("tampered audit cursor (admin)", 400, async () => {
    const admin = await registerAdmin();
    const forged = `${b64url(JSON.stringify({ id: 1e9 }))}.${b64url(new Uint8Array(16))}`;
    return call(`/v1/admin/audit?cursor=${forged}`, { token: admin.access_token });
  });

  it("has at least 25 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))("refuses: %s", async (_name, c) => {
    const r = await c.request();
    expect(r.status).toBe(c.expect);
    if (r.status === 401) expect(r.problem.code).toBe("unauthorized");
    if (r.status === 403) expect(r.problem.code).toBe("forbidden");
    if (r.status === 404) expect(r.problem.code).toBe("not_found");
  });
});
