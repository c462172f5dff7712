// "Every mutation writes an audit row (actor, action, target, request id, time, outcome)": refused ones too. A
// refused order, alert or delete writes one failure row naming its route, status and code; a successful one still
// writes exactly its own row; unauthenticated and rate-limited requests write none.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertQuote } from "../helpers/market";

let user: { id: string; token: string };
beforeAll(async () => {
  user = await userToken();
  const ids = await insertAssets([{ symbol: "AUDR", name: "Audited Refusals" }]);
  await insertQuote(ids.get("AUDR")!, 100, 100);
});

const rowsOf = async (requestId: string) =>
  (
    await env.DB.prepare("SELECT actor, action, target, outcome, detail FROM audit_log WHERE request_id = ?")
      .bind(requestId)
      .all<{ actor: string; action: string; target: string | null; outcome: string; detail: string | null }>()
  ).results;

describe("refused mutations are audited", () => {
  it("a 422 order, a 422 alert and a 404 delete each write one failure row", async () => {
    const sell = await call("/v1/orders", {
      method: "POST",
      token: user.token,
      headers: { "x-request-id": "audit-refused-sell-1" },
      json: { symbol: "AUDR", side: "sell", qty: 1, type: "market" },
    });
    expect(sell.status).toBe(422);
    const [row] = await rowsOf("audit-refused-sell-1");
    expect(row).toMatchObject({ actor: user.id, action: "POST /v1/orders", outcome: "failure" });
    expect(JSON.parse(row!.detail!)).toMatchObject({ status: 422, code: sell.problem.code });

    const alert = await call("/v1/alerts", {
      method: "POST",
      token: user.token,
      headers: { "x-request-id": "audit-refused-alert-1" },
      json: { symbol: "NOPE", condition: "above", price: 10 },
    });
    expect(alert.status).toBe(422);
    expect(await rowsOf("audit-refused-alert-1")).toHaveLength(1);

    const gone = await call("/v1/orders/ord_doesnotexist", {
      method: "DELETE",
      token: user.token,
      headers: { "x-request-id": "audit-refused-delete-1" },
    });
    expect(gone.status).toBe(404);
    expect(await rowsOf("audit-refused-delete-1")).toEqual([
      expect.objectContaining({ action: "DELETE /v1/orders/:id", target: "ord_doesnotexist", outcome: "failure" }),
    ]);
  });

  it("a successful mutation writes only its own row; an unauthenticated one writes none", async () => {
    const ok = await call("/v1/alerts", {
      method: "POST",
      token: user.token,
      headers: { "x-request-id": "audit-ok-alert-1" },
      json: { symbol: "AUDR", condition: "above", price: 500 },
    });
    expect(ok.status).toBe(201);
    expect(await rowsOf("audit-ok-alert-1")).toEqual([
      expect.objectContaining({ action: "alert.create", outcome: "success" }),
    ]);
    const anonymous = await call("/v1/orders", {
      method: "POST",
      headers: { "x-request-id": "audit-anonymous-1" },
      json: { symbol: "AUDR", side: "buy", qty: 1, type: "market" },
    });
    expect(anonymous.status).toBe(401);
    expect(await rowsOf("audit-anonymous-1")).toEqual([]);
  });
});
