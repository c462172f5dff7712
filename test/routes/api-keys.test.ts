// API keys: create (shown once, hashed, prefixed), scopes and who may grant them, list pages, revoke at once, 404 for others' ids.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { ApiKeyList } from "../../src/schemas/identity";
import { resolveApiKey } from "../../src/services/live-auth";
import { authed, createKey, registerAdmin, registerUser, withKey } from "../helpers/auth";
import type { CallResult } from "../helpers/http";
import { call } from "../helpers/http";

let user: Awaited<ReturnType<typeof registerUser>>;
let other: Awaited<ReturnType<typeof registerUser>>;
let admin: Awaited<ReturnType<typeof registerUser>>;

beforeAll(async () => {
  [user, other, admin] = await Promise.all([registerUser(), registerUser(), registerAdmin()]);
});

describe("POST /v1/api-keys", () => {
  it("answers 201 with the key once, read scope by default, stored only as a SHA-256 hash", async () => {
    const r = await authed(user.access_token)("/v1/api-keys", { method: "POST", json: { name: "laptop" } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      id: expect.stringMatching(/^key_/),
      name: "laptop",
      scopes: ["read"],
      signing: false,
      expires_at: null,
      created_at: expect.any(String),
    });
    expect(r.body.key).toMatch(/^ei_live_[0-9A-Za-z]{40}$/);
    // The one answer that shows the key: no cache may keep it.
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.body.prefix).toBe(r.body.key.slice(0, 16));
    expect(r.body.signing_secret).toBeUndefined();
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?")
      .bind(r.body.id)
      .first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(r.body.key);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(r.body.key));
    expect(row!.key_hash).toBe([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""));
    const audit = await env.DB.prepare(
      "SELECT actor, outcome FROM audit_log WHERE action = 'api_key.created' AND target = ?",
    )
      .bind(r.body.id)
      .first();
    expect(audit).toEqual({ actor: user.user.id, outcome: "success" });
  });

  it("works as X-API-Key wherever Bearer does", async () => {
    const k = await createKey(user.access_token, { name: "reader" });
    const me = await withKey(k.key)("/v1/me");
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.user.id);
    expect((await withKey(k.key)("/v1/assets")).status).toBe(200);
  });

  it("refuses the admin scope to a non-admin (403) and grants it to an admin", async () => {
    const denied = await authed(user.access_token)("/v1/api-keys", {
      method: "POST",
      json: { name: "x", scopes: ["admin"] },
    });
    expect(denied.status).toBe(403);
    expect(denied.problem.code).toBe("forbidden");
    const k = await createKey(admin.access_token, { name: "ops", scopes: ["read", "admin"] });
    expect(k.scopes).toEqual(["read", "admin"]);
    expect((await withKey(k.key)("/v1/admin/audit?limit=1")).status).toBe(200);
  });

  it("lets a key grant only scopes it holds itself, and only with `manage`", async () => {
    const manager = await createKey(user.access_token, { name: "manager", scopes: ["read", "manage"] });
    const r = await withKey(manager.key)("/v1/api-keys", {
      method: "POST",
      json: { name: "escalate", scopes: ["trade"] },
    });
    expect(r.status).toBe(403);
    const same = await withKey(manager.key)("/v1/api-keys", { method: "POST", json: { name: "sibling" } });
    expect(same.status).toBe(201);
    const reader = await createKey(user.access_token, { name: "reader" });
    const denied = await withKey(reader.key)("/v1/api-keys", { method: "POST", json: { name: "sibling" } });
    expect(denied.status).toBe(403);
    expect(denied.problem.code).toBe("forbidden");
  });

  it("validates the body: unknown scope, repeated scope, empty name, past expiry, unknown field", async () => {
    const post = (json: unknown) => authed(user.access_token)("/v1/api-keys", { method: "POST", json });
    expect((await post({ name: "x", scopes: ["root"] })).status).toBe(400);
    expect((await post({ name: "x", scopes: ["read", "read"] })).status).toBe(400);
    expect((await post({ name: "  " })).status).toBe(400);
    expect((await post({ name: "x", extra: 1 })).status).toBe(400);
    const past = await post({ name: "x", expires_at: "2001-01-01T00:00:00Z" });
    expect(past.status).toBe(422);
    expect(past.problem.code).toBe("validation_failed");
  });

  it("stops an expiring key when its time comes", async () => {
    const k = await createKey(user.access_token, {
      name: "short",
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await withKey(k.key)("/v1/me")).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), k.id)
      .run();
    expect((await withKey(k.key)("/v1/me")).status).toBe(401);
  });
});

describe("GET /v1/api-keys", () => {
  it("lists only the caller's keys, newest first, in cursor pages, never with the key", async () => {
    const lister = await registerUser();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await createKey(lister.access_token, { name: `k${i}` })).id);
    await createKey(other.access_token, { name: "not yours" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: CallResult<z.infer<typeof ApiKeyList>> = await authed(lister.access_token)(
        `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(r.status).toBe(200);
      for (const item of r.body.data) {
        expect((item as Record<string, unknown>).key).toBeUndefined();
        expect((item as Record<string, unknown>).key_hash).toBeUndefined();
        expect(item.prefix).toMatch(/^ei_live_/);
      }
      seen.push(...r.body.data.map((k: { id: string }) => k.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
  });

  it("refuses another user's cursor with 400 invalid_cursor", async () => {
    await createKey(other.access_token, { name: "a" });
    await createKey(other.access_token, { name: "b" });
    const page = await authed(other.access_token)("/v1/api-keys?limit=1");
    const r = await authed(user.access_token)(`/v1/api-keys?limit=1&cursor=${page.body.next_cursor}`);
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("invalid_cursor");
  });
});

describe("DELETE /v1/api-keys/{id}", () => {
  it("revokes: 204, and the key stops working on the very next request", async () => {
    const k = await createKey(user.access_token, { name: "doomed" });
    expect((await withKey(k.key)("/v1/me")).status).toBe(200);
    const del = await authed(user.access_token)(`/v1/api-keys/${k.id}`, { method: "DELETE" });
    expect(del.status).toBe(204);
    const after = await withKey(k.key)("/v1/me");
    expect(after.status).toBe(401);
    expect(after.problem.code).toBe("unauthorized");
    expect(await resolveApiKey(env, k.key)).toBeNull();
    const list = await authed(user.access_token)("/v1/api-keys?limit=100");
    expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain(k.id);
  });

  it("answers 404 for another user's key (never 403) and leaves it working", async () => {
    const theirs = await createKey(other.access_token, { name: "theirs" });
    const r = await authed(user.access_token)(`/v1/api-keys/${theirs.id}`, { method: "DELETE" });
    expect(r.status).toBe(404);
    expect(r.problem.code).toBe("not_found");
    expect((await withKey(theirs.key)("/v1/me")).status).toBe(200);
    expect(
      (await authed(user.access_token)("/v1/api-keys/key_doesnotexist000000000", { method: "DELETE" })).status,
    ).toBe(404);
  });

  it("answers 404 when revoking twice", async () => {
    const k = await createKey(user.access_token, { name: "twice" });
    expect((await authed(user.access_token)(`/v1/api-keys/${k.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await authed(user.access_token)(`/v1/api-keys/${k.id}`, { method: "DELETE" })).status).toBe(404);
  });
});

describe("stream credential resolver", () => {
  it("resolves a live unsigned key to its user and refuses junk", async () => {
    const k = await createKey(user.access_token, { name: "stream" });
    expect(await resolveApiKey(env, k.key)).toEqual({ userId: user.user.id, keyId: k.id });
    expect(await resolveApiKey(env, "ei_live_nope")).toBeNull();
    expect((await call("/v1/me", { headers: { "x-api-key": "ei_live_nope" } })).status).toBe(401);
  });
});
