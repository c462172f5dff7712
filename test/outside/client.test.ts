// @edgeindex/client against the running Worker: sessions, pagination, typed problems, idempotency, retries on a
// real 429, the live stream (reconnect, resubscribe, seq accounting), the README program, and `npm pack`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createEdgeindex, type Edgeindex, ProblemError, retryAfterMs, retryingFetch } from "@edgeindex/client";
import { beforeAll, describe, expect, inject, it } from "vitest";

const base = inject("base");
const ROOT = new URL("../../", import.meta.url).pathname;
let ei: Edgeindex;

beforeAll(async () => {
  ei = createEdgeindex({ baseUrl: base });
  await ei.login("demo@edgeindex.dev", "edgeindex-demo-pass");
});

/** A fetch that records what went out and what came back, around the real one. */
function recording() {
  const seen: Array<{ method: string; url: string; headers: Headers; status: number }> = [];
  const wrapped: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request.clone());
    seen.push({ method: request.method, url: request.url, headers: request.headers, status: response.status });
    return response;
  };
  return { seen, fetch: wrapped };
}

describe("REST", () => {
  it("pages through every asset with an async iterator, one request per page", async () => {
    const rec = recording();
    const paged = createEdgeindex({ baseUrl: base, fetch: rec.fetch });
    await paged.login("demo@edgeindex.dev", "edgeindex-demo-pass");
    const symbols: string[] = [];
    for await (const a of paged.paginate("/v1/assets", { query: { limit: 7 } })) symbols.push(a.symbol);
    const all = await fetch(`${base}/v1/assets?limit=100`, {
      headers: {
        authorization: `Bearer ${(await (await fetch(`${base}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }) })).json()).access_token}`,
      },
    }).then((r) => r.json() as Promise<{ data: Array<{ symbol: string }> }>);
    expect(symbols).toEqual(all.data.map((a) => a.symbol));
    expect(symbols.length).toBeGreaterThanOrEqual(50);
    expect(rec.seen.filter((r) => r.url.includes("/v1/assets")).length).toBe(Math.ceil(symbols.length / 7));
  });

  it("throws a typed ProblemError naming the fields", async () => {
    const err = await ei
      .data(
        ei.api.POST("/v1/indexes", {
          body: {
            name: "x",
            constituents: [],
            weighting: "equal",
            rebalance: "monthly",
            base_date: "2024-01-02",
            base_value: 1000,
          },
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    const problem = err as ProblemError;
    expect(problem.status).toBe(400);
    expect(problem.code).toBe("validation_failed");
    expect(problem.errors.map((e) => e.path)).toContain("constituents");
    expect(problem.requestId).toMatch(/.+/);
  });

  it("creates an index and waits until its build is ready", async () => {
    const created = await ei.data(
      ei.api.POST("/v1/indexes", {
        body: {
          name: "SDK test",
          constituents: ["AAPL", "MSFT", "NVDA"],
          weighting: "equal",
          rebalance: "quarterly",
          base_date: "2024-01-02",
          base_value: 100,
        },
      }),
    );
    expect(created.status).toBe("building");
    const ready = await ei.waitForIndex(created.id, { timeoutMs: 60_000 });
    expect(ready.status).toBe("ready");
    const values = await ei.data(
      ei.api.GET("/v1/indexes/{id}/values", { params: { path: { id: ready.id }, query: { limit: 5 } } }),
    );
    expect(values.data[0]).toMatchObject({ date: "2024-01-02", value: 100 });
  });

  it('creates a price alert typed by the SDK (the document\'s discriminator maps kind "price")', async () => {
    // Before the mapping named `price`, openapi-typescript typed this kind as "PriceAlertRequest", which the server
    // refuses: this call did not type-check.
    const alert = await ei.data(
      ei.api.POST("/v1/alerts", { body: { kind: "price", symbol: "AAPL", condition: "above", price: 1_000_000 } }),
    );
    expect(alert).toMatchObject({ kind: "price", symbol: "AAPL", condition: "above", status: "active" });
    await ei.data(ei.api.DELETE("/v1/alerts/{id}", { params: { path: { id: alert.id } } }));
  });

  it("sends an Idempotency-Key on the routes that take one, so a repeat replays instead of ordering twice", async () => {
    const rec = recording();
    const client = createEdgeindex({ baseUrl: base, fetch: rec.fetch });
    await client.login("demo@edgeindex.dev", "edgeindex-demo-pass");
    const order = { symbol: "AAPL", side: "buy" as const, qty: 1, type: "market" as const };
    await client.data(client.api.POST("/v1/orders", { body: order }));
    const sent = rec.seen.find((r) => r.method === "POST" && r.url.endsWith("/v1/orders"));
    const key = sent?.headers.get("idempotency-key");
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    const first = await client.api.POST("/v1/orders", {
      body: order,
      params: { header: { "idempotency-key": "sdk-fixed-key-1" } },
    });
    const again = await client.api.POST("/v1/orders", {
      body: order,
      params: { header: { "idempotency-key": "sdk-fixed-key-1" } },
    });
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(again.data?.id).toBe(first.data?.id);
  });

  it("waits out a real 429 as Retry-After says and then succeeds", async () => {
    const key = await ei.data(ei.api.POST("/v1/api-keys", { body: { name: "sdk retry", scopes: ["read"] } }));
    const rec = recording();
    // The test Worker gives API keys 30 tokens a minute: the 31st call meets a 429.
    const client = createEdgeindex({ baseUrl: base, apiKey: key.key, fetch: rec.fetch, retry: { retries: 5 } });
    for (let i = 0; i < 33; i++) await client.data(client.api.GET("/v1/me"));
    const refused = rec.seen.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(rec.seen.filter((r) => r.status === 200).length).toBe(33);
  });

  it("reads Retry-After as seconds or an HTTP date, retries 503 only when repeating is harmless", async () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString(), Date.now())).toBeGreaterThan(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    // The retry policy on its own: a fetch whose first two answers are 503 (the Worker cannot be made to answer 503 on demand).
    let calls = 0;
    const flaky: typeof fetch = async () =>
      ++calls <= 2 ? new Response("down", { status: 503, headers: { "retry-after": "0" } }) : new Response("ok");
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const get = await retryingFetch(flaky, { sleep })(new Request("http://x/v1/me"));
    expect([get.status, calls, waits]).toEqual([200, 3, [0, 0]]);
    calls = 0;
    const post = await retryingFetch(flaky, { sleep })(
      new Request("http://x/v1/indexes", { method: "POST", body: "{}" }),
    );
    expect([post.status, calls]).toEqual([503, 1]);
    calls = 0;
    const keyed = new Request("http://x/v1/orders", {
      method: "POST",
      body: "{}",
      headers: { "idempotency-key": "k" },
    });
    expect((await retryingFetch(flaky, { sleep })(keyed)).status).toBe(200);
  });
});

describe("stream", () => {
  it("authenticates, subscribes, and after a dropped connection resubscribes with every seq accounted for", async () => {
    const sockets: WebSocket[] = [];
    const stream = ei.stream({
      symbols: ["AAPL"],
      minBackoffMs: 1500,
      connect: (url) => {
        const ws = new WebSocket(url);
        sockets.push(ws);
        return ws;
      },
    });
    const seqs: number[] = [];
    const gaps: number[] = [];
    let subscribed = 0;
    stream.on("quote", (q) => seqs.push(q.seq));
    stream.on("gap", (g) => gaps.push(g.missed));
    stream.on("subscribed", () => subscribed++);
    await stream.start();
    const until = async (pred: () => boolean, ms = 15_000) => {
      const end = Date.now() + ms;
      while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(pred()).toBe(true);
    };
    await until(() => seqs.length >= 2);
    sockets[0]?.close(); // as if the network dropped
    await until(() => sockets.length === 2 && subscribed >= 2 && seqs.length >= 5);
    stream.close();
    // No duplicate and no silent loss: every seq from the first to the last was received or reported missed.
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const first = seqs[0]!;
    const last = seqs[seqs.length - 1]!;
    expect(seqs.length + gaps.reduce((a, b) => a + b, 0)).toBe(last - first + 1);
  });
});

describe("the README program and the package", () => {
  it("runs examples/sdk-quickstart.ts against the Worker", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "examples/sdk-quickstart.ts")], {
      env: { ...process.env, EDGEINDEX_URL: base },
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(out).toMatch(/\d+ technology assets: /);
    expect(out).toMatch(/refused: validation_failed on .*constituents/);
    expect(out).toMatch(/index idx_\w+ is ready: \d+ values/);
    expect(out.match(/^[A-Z]+ \d+\.\d{2} #\d+$/gm)?.length).toBeGreaterThanOrEqual(4);
  });

  it("packs a valid package: built entry, types, the documents, and nothing else", () => {
    const dir = mkdtempSync(join(ROOT, "packages/client/.pack-"));
    try {
      const [info] = JSON.parse(
        execFileSync("npm", ["pack", "--json", "--pack-destination", dir, "-w", "packages/client"], {
          cwd: ROOT,
          encoding: "utf8",
        }),
      ) as Array<{ name: string; files: Array<{ path: string }> }>;
      const files = info!.files.map((f) => f.path).sort();
      expect(info!.name).toBe("@edgeindex/client");
      for (const f of [
        "package.json",
        "README.md",
        "openapi.json",
        "dist/index.js",
        "dist/index.d.ts",
        "dist/schema.d.ts",
        "dist/stream.js",
      ]) {
        expect(files).toContain(f);
      }
      expect(files.filter((f) => f.startsWith("src/") || f.includes("test"))).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(ROOT, "packages/client/package.json"), "utf8"));
      expect(files).toContain(manifest.exports["."].import.replace("./", ""));
      expect(files).toContain(manifest.exports["."].types.replace("./", ""));
      // The packed entry loads in plain Node and builds a client.
      execFileSync("tar", ["-xzf", join(dir, "edgeindex-client-0.1.0.tgz"), "-C", dir]);
      const loaded = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(join(dir, "package/dist/index.js"))}); console.log(typeof m.createEdgeindex, typeof m.EdgeindexStream)`,
        ],
        { encoding: "utf8" },
      );
      expect(loaded.trim()).toBe("function function");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
