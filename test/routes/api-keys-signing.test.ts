// Signed requests for keys created with signing: true: HMAC over timestamp, method, path?query and body digest.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveApiKey } from "../../src/services/live-auth";
import { type CreatedKey, createKey, registerUser, signature, signedCall, withKey } from "../helpers/auth";

let signer: CreatedKey;

beforeAll(async () => {
  const user = await registerUser();
  signer = await createKey(user.access_token, { name: "bot", scopes: ["read", "trade", "manage"], signing: true });
});

const now = () => Math.floor(Date.now() / 1000);

describe("signed requests", () => {
  it("shows the signing secret once and keeps it encrypted at rest", async () => {
    expect(signer.signing).toBe(true);
    expect(signer.signing_secret).toMatch(/^ss_/);
    const row = await env.DB.prepare("SELECT signing_secret_enc FROM api_keys WHERE id = ?")
      .bind(signer.id)
      .first<{ signing_secret_enc: string }>();
    expect(row!.signing_secret_enc).toMatch(/^v1\./);
    expect(row!.signing_secret_enc).not.toContain(signer.signing_secret!);
  });

  it("admits a correctly signed GET with a query, and a signed POST with a body", async () => {
    const get = await signedCall(signer, "/v1/assets?limit=5&search=a");
    expect(get.status).toBe(200);
    const post = await signedCall(signer, "/v1/api-keys", { method: "POST", json: { name: "child" } });
    expect(post.status).toBe(201);
  });

  it("refuses the key without a signature, and a signature without a timestamp", async () => {
    expect((await withKey(signer.key)("/v1/me")).status).toBe(401);
    const sig = await signature(signer.signing_secret!, String(now()), "GET", "/v1/me");
    const r = await withKey(signer.key)("/v1/me", { headers: { "x-signature": sig } });
    expect(r.status).toBe(401);
    expect(r.problem.detail).toContain("X-Timestamp");
  });

  it("refuses a wrong secret, another path, another method, and a tampered body", async () => {
    const ts = String(now());
    const call = (sig: string, path = "/v1/me", init: RequestInit = {}) =>
      withKey(signer.key)(path, {
        ...init,
        headers: { "x-timestamp": ts, "x-signature": sig, ...(init.headers ?? {}) },
      });
    expect((await call(await signature("ss_wrong", ts, "GET", "/v1/me"))).status).toBe(401);
    expect((await call(await signature(signer.signing_secret!, ts, "GET", "/v1/assets"))).status).toBe(401);
    expect((await call(await signature(signer.signing_secret!, ts, "POST", "/v1/me"))).status).toBe(401);
    const signedBody = JSON.stringify({ name: "a" });
    const tampered = await call(
      await signature(signer.signing_secret!, ts, "POST", "/v1/api-keys", signedBody),
      "/v1/api-keys",
      {
        method: "POST",
        body: JSON.stringify({ name: "b" }),
        headers: { "content-type": "application/json" },
      },
    );
    expect(tampered.status).toBe(401);
    expect((await call("zz".repeat(32))).status).toBe(401);
  });

  it("refuses timestamps more than 300 s away, either side, and accepts within", async () => {
    expect((await signedCall(signer, "/v1/me", { timestamp: now() - 301 })).status).toBe(401);
    expect((await signedCall(signer, "/v1/me", { timestamp: now() + 301 })).status).toBe(401);
    expect((await signedCall(signer, "/v1/me", { timestamp: now() - 250 })).status).toBe(200);
    const nonNumeric = await withKey(signer.key)("/v1/me", {
      headers: { "x-timestamp": "yesterday", "x-signature": "ab".repeat(32) },
    });
    expect(nonNumeric.status).toBe(401);
  });

  it("refuses a replayed (timestamp, signature) pair", async () => {
    const ts = String(now());
    const sig = await signature(signer.signing_secret!, ts, "GET", "/v1/me");
    const send = () => withKey(signer.key)("/v1/me", { headers: { "x-timestamp": ts, "x-signature": sig } });
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(replay.problem.detail).toContain("already used");
  });

  it("admits exactly one of many concurrent copies of one signed request", async () => {
    const ts = String(now());
    // A query of its own, so this signature differs from the previous test's (same second, same path).
    const sig = await signature(signer.signing_secret!, ts, "GET", "/v1/me?burst=1");
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        withKey(signer.key)("/v1/me?burst=1", { headers: { "x-timestamp": ts, "x-signature": sig } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("keeps signing keys off the stream (a WebSocket message cannot be signed)", async () => {
    expect(await resolveApiKey(env, signer.key)).toBeNull();
  });

  it("forgets seen signatures only after the replay window", async () => {
    const stub = env.RATE_LIMITER.getByName("replay-window-test");
    const t0 = 1_700_000_000_000;
    expect(await stub.claimOnce("sig-a", 600, t0)).toBe(true);
    expect(await stub.claimOnce("sig-a", 600, t0 + 599_000)).toBe(false);
    expect(await stub.claimOnce("sig-a", 600, t0 + 600_001)).toBe(true);
  });
});
