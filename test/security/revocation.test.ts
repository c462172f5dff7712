// Finding 4: logout, refresh reuse, role change, user deletion and key revocation end access tokens and keys at once,
// and close the stream sockets living by them with 4001 (told at once, or found by the shard's 5 s sweep).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { changeRole } from "../../src/db/role-grants";
import { authed, createKey, deleteUser, refresh, registerUser, withKey } from "../helpers/auth";
import { call } from "../helpers/http";
import { authedStream } from "../helpers/stream";

const logout = (token: string, refresh_token: string) =>
  call("/v1/auth/logout", { method: "POST", token, json: { refresh_token } });

describe("access tokens end with their session", () => {
  it("after logout the session's access token is 401 (another session of the user is untouched)", async () => {
    const user = await registerUser();
    const other = await call("/v1/auth/login", {
      method: "POST",
      json: { email: user.email, password: user.password },
    });
    expect((await authed(user.access_token)("/v1/me")).status).toBe(200);
    expect((await logout(user.access_token, user.refresh_token)).status).toBe(204);
    const after = await authed(user.access_token)("/v1/me");
    expect(after.status).toBe(401);
    expect(after.problem.code).toBe("unauthorized");
    expect((await authed(other.body.access_token)("/v1/me")).status).toBe(200);
  });

  it("after refresh-token reuse every access token of the family is 401", async () => {
    const user = await registerUser();
    const next = await refresh(user.refresh_token);
    expect(next.status).toBe(200);
    expect((await refresh(user.refresh_token)).status).toBe(401); // reuse: the family is revoked
    expect((await authed(user.access_token)("/v1/me")).status).toBe(401);
    expect((await authed(next.body.access_token)("/v1/me")).status).toBe(401);
  });

  it("after a role change or the user's deletion the old tokens are 401", async () => {
    const user = await registerUser();
    await changeRole(env.DB, user.email, "admin");
    expect((await authed(user.access_token)("/v1/me")).status).toBe(401);
    const gone = await registerUser();
    await deleteUser(gone.user.id);
    expect((await authed(gone.access_token)("/v1/me")).status).toBe(401);
  });

  it("a token without a session claim is refused", async () => {
    const { SignJWT } = await import("jose");
    const { getConfig } = await import("../../src/config");
    const cfg = getConfig(env);
    const user = await registerUser();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ role: "user" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(cfg.JWT_ISSUER)
      .setAudience(cfg.JWT_AUDIENCE)
      .setSubject(user.user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .setJti("evt_nosid")
      .sign(new TextEncoder().encode(cfg.JWT_SECRET));
    expect((await authed(token)("/v1/me")).status).toBe(401);
  });
});

describe("stream sockets close 4001 when their credential is revoked", () => {
  it("logout closes the session's socket at once", async () => {
    const user = await registerUser();
    const socket = await authedStream(user.access_token, "shard:1");
    await logout(user.access_token, user.refresh_token);
    expect((await socket.waitClosed(10_000)).code).toBe(4001);
  });

  it("revoking a key closes the sockets authenticated with it, not the owner's others", async () => {
    const user = await registerUser();
    const key = await createKey(user.access_token, { name: "stream", scopes: ["read"] });
    const byKey = await authedStream(key.key, "shard:0");
    const bySession = await authedStream(user.access_token, "shard:0");
    expect((await authed(user.access_token)(`/v1/api-keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await byKey.waitClosed(10_000)).code).toBe(4001);
    expect((await withKey(key.key)("/v1/me")).status).toBe(401);
    bySession.send({ action: "ping" });
    await bySession.next((f) => f.type === "pong");
    expect(bySession.closed).toBeNull();
  });

  it("a role change made by the operator (no request to announce it) is found by the shard's sweep within 10 s", async () => {
    const user = await registerUser();
    const socket = await authedStream(user.access_token, "shard:3");
    const stub = env.PRICE_HUB.getByName("shard:3");
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm! - Date.now()).toBeLessThanOrEqual(10_000);
    await changeRole(env.DB, user.email, "admin");
    await runDurableObjectAlarm(stub); // the sweep the alarm runs, now rather than in up to 5 s
    expect((await socket.waitClosed(10_000)).code).toBe(4001);
  });

  it("a deleted user's socket is closed by the sweep", async () => {
    const user = await registerUser();
    const socket = await authedStream(user.access_token, "shard:2");
    await deleteUser(user.user.id);
    await runDurableObjectAlarm(env.PRICE_HUB.getByName("shard:2"));
    expect((await socket.waitClosed(10_000)).code).toBe(4001);
  });
});
