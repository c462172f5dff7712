// Admin jobs API and the history routes: validation (nothing written on refusal), admin-only access, pages, 404s.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../src/db/ids";
import { call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars } from "../helpers/market";

let admin: string;
let user: string;

beforeAll(async () => {
  await insertAssets([
    { symbol: "AAPL", name: "Apple" },
    { symbol: "MSFT", name: "Microsoft" },
  ]);
  admin = (await userToken("admin")).token;
  user = (await userToken("user")).token;
});

const refresh = (json: unknown, token = admin) => call("/v1/admin/refresh", { method: "POST", token, json });
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

describe("POST /v1/admin/refresh", () => {
  it("202 with a job id; the job is recorded with the request and audited", async () => {
    const res = await refresh({ symbols: ["AAPL", "MSFT", "AAPL"], start: "2024-01-02", end: "2024-01-31" });
    expect(res.status).toBe(202);
    expect(res.body.job_id).toMatch(/^job_[0-9A-Za-z]{22}$/);
    const job = await env.DB.prepare("SELECT kind, payload FROM jobs WHERE id = ?")
      .bind(res.body.job_id)
      .first<{ kind: string; payload: string }>();
    expect(job?.kind).toBe("refresh");
    expect(JSON.parse(job!.payload)).toEqual({
      kind: "refresh",
      mode: "daily",
      symbols: ["AAPL", "MSFT"],
      start: "2024-01-02",
      end: "2024-01-31",
      job_id: res.body.job_id,
    });
    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE target = ?")
      .bind(res.body.job_id)
      .first();
    expect(audit).toEqual({ action: "admin.refresh", outcome: "success" });

    const all = await refresh({});
    expect(all.status).toBe(202);
    const payload = await env.DB.prepare("SELECT payload FROM jobs WHERE id = ?")
      .bind(all.body.job_id)
      .first<{ payload: string }>();
    expect(JSON.parse(payload!.payload)).toEqual({ kind: "refresh", mode: "daily", job_id: all.body.job_id });
  });

  it("unknown symbols: 422 validation_failed naming each; nothing is written", async () => {
    const before = await rowCount("jobs");
    const res = await refresh({ symbols: ["AAPL", "NOPE", "ZZZZ"] });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body).toMatchObject({ status: 422, code: "validation_failed" });
    expect(res.problem.detail).toContain("NOPE, ZZZZ");
    expect(res.problem.errors).toEqual([
      { path: "symbols.1", message: "no active asset NOPE" },
      { path: "symbols.2", message: "no active asset ZZZZ" },
    ]);
    expect(await rowCount("jobs")).toBe(before);
  });

  it.each([
    ["wrong type", { symbols: "AAPL" }],
    ["empty list", { symbols: [] }],
    ["lower-case symbol", { symbols: ["aapl"] }],
    ["unknown field", { symbols: ["AAPL"], mode: "backfill" }],
    ["start after end", { start: "2024-02-01", end: "2024-01-01" }],
    ["future end", { end: "2999-01-01" }],
    ["future start", { start: tomorrow() }],
    ["not a date", { start: "2024-02-30" }],
    ["not an object", ["AAPL"]],
  ])("400 validation_failed for %s; nothing is written", async (_why, body) => {
    const before = await rowCount("jobs");
    const res = await refresh(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, code: "validation_failed" });
    expect(res.problem.errors?.length ?? 0).toBeGreaterThan(0);
    expect(await rowCount("jobs")).toBe(before);
  });

  it("names unknown fields, rejects malformed JSON (400) and non-JSON bodies (415)", async () => {
    const before = await rowCount("jobs");
    const unknown = await refresh({ symbols: ["AAPL"], priority: "high" });
    expect(unknown.problem.errors).toEqual([{ path: "priority", message: "not allowed" }]);
    const malformed = await call("/v1/admin/refresh", {
      method: "POST",
      token: admin,
      headers: { "content-type": "application/json" },
      body: '{"symbols": ["AAPL"',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.problem.code).toBe("validation_failed");
    const text = await call("/v1/admin/refresh", {
      method: "POST",
      token: admin,
      headers: { "content-type": "text/plain" },
      body: "AAPL",
    });
    expect(text.status).toBe(415);
    expect(await rowCount("jobs")).toBe(before);
  });

  it("Idempotency-Key: the same body replays the first 202 (one job); another body is 422 idempotency_conflict", async () => {
    const headers = { "idempotency-key": "refresh-2024-01" };
    const body = { symbols: ["AAPL"], start: "2024-01-02" };
    const before = await rowCount("jobs");
    const first = await call("/v1/admin/refresh", { method: "POST", token: admin, headers, json: body });
    expect(first.status).toBe(202);
    const again = await call("/v1/admin/refresh", { method: "POST", token: admin, headers, json: body });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await rowCount("jobs")).toBe(before + 1);
    const other = await call("/v1/admin/refresh", {
      method: "POST",
      token: admin,
      headers,
      json: { symbols: ["MSFT"] },
    });
    expect(other.status).toBe(422);
    expect(other.problem.code).toBe("idempotency_conflict");
    expect(await rowCount("jobs")).toBe(before + 1);
  });

  it("401 without credentials, 403 for a user, nothing written", async () => {
    const before = await rowCount("jobs");
    expect((await call("/v1/admin/refresh", { method: "POST", json: {} })).status).toBe(401);
    const forbidden = await refresh({}, user);
    expect(forbidden.status).toBe(403);
    expect(forbidden.problem.code).toBe("forbidden");
    expect(await rowCount("jobs")).toBe(before);
  });
});

describe("GET /v1/admin/jobs", () => {
  const ids: string[] = [];

  beforeAll(async () => {
    // Recorded directly (no queue send), with distinct creation times, so the order is known.
    for (let i = 0; i < 5; i++) {
      const id = newId("job");
      ids.push(id);
      await env.DB.prepare(
        "INSERT INTO jobs (id, kind, status, payload, stats, created_at) VALUES (?, ?, ?, '{}', ?, ?)",
      )
        .bind(
          id,
          i % 2 ? "build" : "backfill",
          i === 4 ? "dead" : "succeeded",
          i % 2
            ? JSON.stringify({ outcome: "ready" })
            : JSON.stringify({ rows_inserted: 10 * i, rows_revised: i, symbols_failed: ["X"] }),
          `2000-01-0${i + 1}T00:00:00.000Z`,
        )
        .run();
    }
  });

  it("pages newest first with a signed cursor; filters by status and kind", async () => {
    const first = await call("/v1/admin/jobs?kind=backfill&limit=2", { token: admin });
    expect(first.status).toBe(200);
    expect(first.body.data.map((j: { id: string }) => j.id)).toEqual([ids[4], ids[2]]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await call(`/v1/admin/jobs?kind=backfill&limit=2&cursor=${first.body.next_cursor}`, {
      token: admin,
    });
    expect(second.body.data.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();

    const dead = await call("/v1/admin/jobs?status=dead&kind=backfill", { token: admin });
    expect(dead.body.data.map((j: { id: string }) => j.id)).toEqual([ids[4]]);

    const foreign = await call(`/v1/admin/jobs?kind=build&limit=2&cursor=${first.body.next_cursor}`, { token: admin });
    expect(foreign.status).toBe(400);
    expect(foreign.problem.code).toBe("invalid_cursor");
    expect((await call("/v1/admin/jobs?status=sleeping", { token: admin })).status).toBe(400);
    expect((await call("/v1/admin/jobs", { token: user })).status).toBe(403);
  });

  it("one job: the contract's fields, stats always carrying rows_inserted, rows_revised, symbols_failed; 404 unknown", async () => {
    const res = await call(`/v1/admin/jobs/${ids[2]}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids[2],
      kind: "backfill",
      status: "succeeded",
      attempts: 0,
      error: null,
      stats: { rows_inserted: 20, rows_revised: 2, symbols_failed: ["X"] },
    });
    const build = await call(`/v1/admin/jobs/${ids[1]}`, { token: admin });
    expect(build.body.stats).toEqual({ outcome: "ready", rows_inserted: 0, rows_revised: 0, symbols_failed: [] });

    const missing = await call("/v1/admin/jobs/job_doesnotexist0000000000", { token: admin });
    expect(missing.status).toBe(404);
    expect(missing.problem.code).toBe("not_found");
    expect((await call(`/v1/admin/jobs/${ids[2]}`, { token: user })).status).toBe(403);
  });
});

describe("history routes", () => {
  it("revisions: every version of the day, oldest first; date required; unknown asset 404", async () => {
    const ids = await insertAssets([{ symbol: "REVS", name: "Revisions" }]);
    const id = ids.get("REVS")!;
    await insertBars(id, ["2024-03-04"], () => 10, "2024-03-05T00:00:00.000Z");
    await insertBars(id, ["2024-03-04"], () => 11, "2024-03-06T00:00:00.000Z");
    const res = await call("/v1/assets/REVS/prices/revisions?date=2024-03-04", { token: user });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        date: "2024-03-04",
        open: 10,
        high: 10.1,
        low: 9.9,
        close: 10,
        volume: 1000,
        recorded_at: "2024-03-05T00:00:00.000Z",
        superseded_at: "2024-03-06T00:00:00.000Z",
        source: "test",
      },
      {
        date: "2024-03-04",
        open: 11,
        high: 11.11,
        low: 10.89,
        close: 11,
        volume: 1000,
        recorded_at: "2024-03-06T00:00:00.000Z",
        superseded_at: null,
        source: "test",
      },
    ]);
    expect((await call("/v1/assets/REVS/prices/revisions?date=2024-03-09", { token: user })).body).toEqual({
      data: [],
    });
    expect((await call("/v1/assets/REVS/prices/revisions", { token: user })).status).toBe(400);
    expect((await call("/v1/assets/REVS/prices/revisions?date=yesterday", { token: user })).status).toBe(400);
    expect((await call("/v1/assets/NOPE/prices/revisions?date=2024-03-04", { token: user })).status).toBe(404);
  });

  it("corporate actions: empty lists for an asset without any; start after end 400; unknown asset 404", async () => {
    const res = await call("/v1/assets/AAPL/corporate-actions", { token: user });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ splits: [], dividends: [] });
    expect(
      (await call("/v1/assets/AAPL/corporate-actions?start=2024-02-01&end=2024-01-01", { token: user })).status,
    ).toBe(400);
    expect((await call("/v1/assets/AAPL/corporate-actions?foo=1", { token: user })).status).toBe(400);
    expect((await call("/v1/assets/NOPE/corporate-actions", { token: user })).status).toBe(404);
  });
});
