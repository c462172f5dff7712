// GET /asyncapi.json is a valid AsyncAPI 3 document (the AsyncAPI parser says so), and real frames match it.
import { Parser } from "@asyncapi/parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, inject, it } from "vitest";
import { demoToken } from "./demo-login.ts";

const base = inject("base");

describe("GET /asyncapi.json", () => {
  it("parses as AsyncAPI 3 with no error and no warning", async () => {
    const res = await fetch(`${base}/asyncapi.json`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { document, diagnostics } = await new Parser().parse(text);
    const problems = diagnostics.filter((d) => d.severity <= 1); // 0 error, 1 warning
    expect(problems.map((d) => `${d.code}: ${d.message} at ${d.path.join(".")}`)).toEqual([]);
    expect(document?.version()).toBe("3.0.0");
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(["/v1/stream"]);
    const names =
      document
        ?.messages()
        .all()
        .map((m) => m.name()) ?? [];
    for (const n of ["authAction", "subscribeAction", "quoteFrame", "indexFrame", "errorFrame", "statusFrame"])
      expect(names).toContain(n);
  });

  it("describes the frames the stream really sends, and the actions it really accepts", async () => {
    const doc = (await (await fetch(`${base}/asyncapi.json`)).json()) as {
      components: { schemas: Record<string, object> };
    };
    const ajv = new Ajv.default({ strict: false });
    addFormats.default(ajv);
    const validators = Object.fromEntries(Object.entries(doc.components.schemas).map(([k, s]) => [k, ajv.compile(s)]));
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/stream`);
    const frames: Array<{ type: string }> = [];
    ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data))));
    await new Promise((r) => ws.addEventListener("open", r));
    const actions = [
      { action: "auth", token: await demoToken(base) },
      { action: "subscribe", symbols: ["AAPL", "MSFT"], indexes: [] },
      { action: "ping" },
      { action: "subscribe", symbols: ["ZZZZ"] },
      { action: "unsubscribe", symbols: ["MSFT"] },
    ];
    for (const a of actions) {
      expect(validators[`${a.action}Action`]?.(a), `${a.action} matches its schema`).toBe(true);
      ws.send(JSON.stringify(a));
      await new Promise((r) => setTimeout(r, 300));
    }
    ws.send("{not json");
    const end = Date.now() + 5000;
    while (!frames.some((f) => f.type === "quote") && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    ws.close();
    const kinds = new Set(frames.map((f) => f.type));
    for (const k of ["status", "subscribed", "quote", "pong", "error"]) expect(kinds.has(k), k).toBe(true);
    for (const f of frames) {
      const validate = validators[`${f.type}Frame`];
      expect(validate, `a schema for ${f.type}`).toBeDefined();
      expect(validate?.(f), `${JSON.stringify(f)}: ${JSON.stringify(validate?.errors)}`).toBe(true);
    }
    expect(validators.subscribeAction?.({ action: "subscribe", symbols: "AAPL" })).toBe(false);
  });
});
