// GET /v1/admin/audit: admin only, newest first, filters (actor, action, since), signed keyset cursors.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { AuditList } from "../../src/schemas/identity";
import { authed, freshEmail, login, registerAdmin, registerUser } from "../helpers/auth";
import type { CallResult } from "../helpers/http";

let admin: Awaited<ReturnType<typeof registerAdmin>>;
let user: Awaited<ReturnType<typeof registerUser>>;

beforeAll(async () => {
  [admin, user] = await Promise.all([registerAdmin(), registerUser()]);
  for (let i = 0; i < 3; i++) await login(freshEmail("intruder"), "wrong-password-xyz");
  await authed(admin.access_token)("/v1/assets", {
    method: "POST",
    json: { symbol: "AUDT", name: "Audited Inc", exchange: "NASDAQ", asset_class: "equity", currency: "USD" },
  });
  await authed(admin.access_token)("/v1/assets/AUDT", { method: "PATCH", json: { name: "Audited Corp" } });
  await authed(admin.access_token)("/v1/assets/AUDT", { method: "DELETE" });
});

describe("GET /v1/admin/audit", () => {
  it("is for admins only", async () => {
    expect((await authed(user.access_token)("/v1/admin/audit")).status).toBe(403);
  });

  it("pages newest first through every row exactly once", async () => {
    const total = (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log").first<{ n: number }>())!.n;
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const r: CallResult<z.infer<typeof AuditList>> = await authed(admin.access_token)(
        `/v1/admin/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(r.status).toBe(200);
      ids.push(...r.body.data.map((row: { id: number }) => row.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(ids.length).toBeGreaterThanOrEqual(total);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("filters by action and actor, with the row's shape", async () => {
    const failed = await authed(admin.access_token)("/v1/admin/audit?action=auth.login_failed");
    expect(failed.body.data).toHaveLength(3);
    expect(failed.body.data[0]).toMatchObject({
      action: "auth.login_failed",
      outcome: "failure",
      actor: expect.stringContaining("intruder"),
      request_id: expect.any(String),
      created_at: expect.any(String),
    });
    const mine = await authed(admin.access_token)(`/v1/admin/audit?actor=${admin.user.id}`);
    const actions = mine.body.data.map((r: { action: string }) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(["asset.created", "asset.updated", "asset.deleted", "auth.register"]),
    );
    const asset = mine.body.data.find((r: { action: string }) => r.action === "asset.updated");
    expect(asset).toMatchObject({ target: "AUDT", outcome: "success", detail: { fields: ["name"] } });
  });

  it("filters by since and validates it", async () => {
    const future = await authed(admin.access_token)("/v1/admin/audit?since=2999-01-01T00:00:00Z");
    expect(future.body.data).toEqual([]);
    const past = await authed(admin.access_token)("/v1/admin/audit?since=2000-01-01T00:00:00%2B02:00&limit=1");
    expect(past.body.data).toHaveLength(1);
    expect((await authed(admin.access_token)("/v1/admin/audit?since=yesterday")).status).toBe(400);
  });

  it("refuses a cursor from another filter with 400 invalid_cursor", async () => {
    const page = await authed(admin.access_token)("/v1/admin/audit?limit=1&action=auth.login_failed");
    const r = await authed(admin.access_token)(
      `/v1/admin/audit?limit=1&action=auth.register&cursor=${page.body.next_cursor}`,
    );
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("invalid_cursor");
  });
});
