// Cross-cutting HTTP conventions from API.md, exercised through the real Worker.
import { describe, expect, it } from "vitest";
import { call, userToken } from "../helpers/http";

describe("conventions", () => {
  it("answers /health with status and version", async () => {
    const r = await call("/health");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok", version: expect.any(String) });
  });

  it("tags /health with the SHA-1 of its body and answers a matching If-None-Match with 304", async () => {
    const r = await call("/health");
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.headers.get("cache-control")).toBe("no-store");
    // The tag hono's etag middleware derives from a body: the hex SHA-1 of its bytes, quoted.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(r.text)));
    const expected = `"${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}"`;
    expect(r.headers.get("etag")).toBe(expected);
    const again = await call("/health", { headers: { "if-none-match": expected } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(expected);
    expect(again.headers.get("x-request-id")).toBeTruthy();
  });

  it("reports every dependency in /health/ready", async () => {
    const r = await call("/health/ready");
    expect(r.status).toBe(200);
    for (const dep of ["d1", "kv", "rate_limiter", "price_hub", "provider"] as const) {
      expect(r.body.checks[dep]).toMatchObject({ status: "ok", latency_ms: expect.any(Number) });
    }
  });

  it("echoes a sane X-Request-Id and generates one otherwise", async () => {
    const mine = await call("/health", { headers: { "x-request-id": "client-req-12345" } });
    expect(mine.headers.get("x-request-id")).toBe("client-req-12345");
    const short = await call("/health", { headers: { "x-request-id": "abc-123" } });
    expect(short.headers.get("x-request-id")).toBe("abc-123");
    const long = await call("/health", { headers: { "x-request-id": "a".repeat(129) } });
    expect(long.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await call("/health", { headers: { "x-request-id": "bad id with spaces <script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sets security headers on every response", async () => {
    for (const path of ["/health", "/v1/assets", "/v1/nope"]) {
      const r = await call(path);
      expect(r.headers.get("strict-transport-security")).toContain("max-age=");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
      expect(r.headers.get("referrer-policy")).toBeTruthy();
      expect(r.headers.get("content-security-policy")).toBeTruthy();
    }
  });

  it("puts the same security headers, request id and Vary on every kind of answer", async () => {
    // Hand-written from API.md (HSTS, nosniff, DENY, Referrer-Policy) and hono's documented secureHeaders defaults.
    // Every answer carries these:
    const everywhere: Record<string, string> = {
      "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "cross-origin-resource-policy": "same-origin",
    };
    // ... and a page (the dashboard's files) also these, which only steer a document; API answers leave them off.
    const documentOnly: Record<string, string> = {
      "cross-origin-opener-policy": "same-origin",
      "origin-agent-cluster": "?1",
      "x-dns-prefetch-control": "off",
      "x-download-options": "noopen",
      "x-permitted-cross-domain-policies": "none",
      "x-xss-protection": "0",
    };
    const { token } = await userToken();
    const me = await call("/v1/me", { token });
    const assets = await call("/v1/assets?limit=2", { token });
    const apiAnswers = {
      "a route's 200": me,
      "a versioned answer's 200": assets,
      "the etag middleware's 304": await call("/v1/me", {
        token,
        headers: { "if-none-match": me.headers.get("etag")! },
      }),
      "a versioned 304": await call("/v1/assets?limit=2", {
        token,
        headers: { "if-none-match": assets.headers.get("etag")! },
      }),
      "a 401 problem": await call("/v1/assets"),
      "a 404 problem": await call("/v1/definitely-not-here", { token }),
      "a 405 problem": await call("/v1/me", { method: "DELETE", token }),
      "/health": await call("/health"),
      "/openapi.json": await call("/openapi.json"),
    };
    const pages = { "a static file": await call("/dashboard.js"), "the dashboard": await call("/") };
    const answers = { ...apiAnswers, ...pages };
    for (const [what, r] of Object.entries(answers)) {
      const expected = what in pages ? { ...everywhere, ...documentOnly } : everywhere;
      for (const [name, value] of Object.entries(expected)) expect(r.headers.get(name), `${what}: ${name}`).toBe(value);
      if (!(what in pages))
        for (const name of Object.keys(documentOnly)) expect(r.headers.get(name), `${what}: ${name}`).toBeNull();
      expect(r.headers.get("x-request-id"), what).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers.get("vary") ?? "", what).toMatch(/\bOrigin\b/);
    }
    // An API answer is never a page: its CSP allows nothing and forbids framing; the pages keep the app's policy.
    for (const [what, r] of Object.entries(apiAnswers))
      expect(r.headers.get("content-security-policy"), what).toBe("default-src 'none'; frame-ancestors 'none'");
    for (const [what, r] of Object.entries(pages)) {
      expect(r.headers.get("content-security-policy"), what).toContain("default-src 'self'");
      expect(r.headers.get("content-security-policy"), what).toContain("frame-ancestors 'none'");
    }
    expect(answers["the etag middleware's 304"].status).toBe(304);
    expect(answers["a versioned 304"].status).toBe(304);
    // Every /v1 answer, refusals included, carries this request's RateLimit-* headers.
    expect(answers["a 401 problem"].status).toBe(401);
    expect(answers["a 405 problem"].status).toBe(405);
    expect(answers["a static file"].status).toBe(200);
    for (const what of ["a route's 200", "a versioned 304", "a 401 problem", "a 404 problem"] as const) {
      const r = answers[what];
      expect(Number(r.headers.get("ratelimit-limit")), what).toBeGreaterThan(0);
      expect(r.headers.get("ratelimit-remaining"), what).toMatch(/^\d+$/);
      expect(r.headers.get("ratelimit-reset"), what).toMatch(/^\d+$/);
    }
  });

  it("serves the dashboard page through the Worker: request id and a strict CSP", async () => {
    const r = await call("/", { headers: { "x-request-id": "dash-req-12345" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(r.text).toContain("dashboard.js");
    expect(r.headers.get("x-request-id")).toBe("dash-req-12345");
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const script = await call("/dashboard.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(script.headers.get("x-request-id")).toBeTruthy();
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    const missing = await call("/no-such-file.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect(missing.problem.code).toBe("not_found");
  });

  it("answers unknown paths with problem+json 404 carrying the request id", async () => {
    const { token } = await userToken();
    const r = await call("/v1/definitely-not-here", { token, headers: { "x-request-id": "trace-abcdef12" } });
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(r.body).toMatchObject({
      status: 404,
      code: "not_found",
      request_id: "trace-abcdef12",
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    // A refusal is never something to keep, like every other error answer.
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  it("takes the Bearer scheme in any case (RFC 7235)", async () => {
    const { token } = await userToken();
    for (const scheme of ["bearer", "BEARER", "Bearer"])
      expect((await call("/v1/me", { headers: { authorization: `${scheme} ${token}` } })).status).toBe(200);
    expect((await call("/v1/me", { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
  });

  it("answers a known path with a wrong method with 405 and Allow", async () => {
    const { token } = await userToken();
    const r = await call("/v1/me", { method: "PUT", token, json: {} });
    expect(r.status).toBe(405);
    expect(r.problem.code).toBe("method_not_allowed");
    expect(r.headers.get("allow")).toContain("GET");
  });

  it("refuses non-JSON bodies with 415 and oversized bodies with 413", async () => {
    const text = await call("/v1/auth/login", {
      method: "POST",
      body: "email=a",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(text.status).toBe(415);
    expect(text.problem.code).toBe("unsupported_media_type");
    const huge = await call("/v1/auth/login", {
      method: "POST",
      json: { email: "a@b.co", password: "x".repeat(1_100_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.problem.code).toBe("payload_too_large");
  });

  it("answers malformed JSON with 400 validation_failed", async () => {
    const r = await call("/v1/auth/login", {
      method: "POST",
      body: '{"email": ',
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("validation_failed");
  });

  it("allows CORS only for configured origins", async () => {
    const ok = await call("/health", { headers: { origin: "https://app.example.com" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const no = await call("/health", { headers: { origin: "https://evil.example" } });
    expect(no.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves the OpenAPI 3.1 document describing the routes, and the docs page", async () => {
    const doc = await call("/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/assets",
      "/v1/assets/{symbol}",
      "/v1/assets/{symbol}/prices",
      "/v1/quotes",
      "/v1/auth/login",
      "/v1/me",
    ]) {
      expect(doc.body.paths![path], path).toBeDefined();
    }
    const docs = await call("/docs");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toContain("text/html");
    // One HSTS policy everywhere, the reference page included.
    expect(docs.headers.get("strict-transport-security")).toBe(doc.headers.get("strict-transport-security"));
    expect(docs.headers.get("strict-transport-security")).toContain("preload");
  });

  it("gives GETs an ETag and answers If-None-Match with an empty 304", async () => {
    const { token } = await userToken();
    const first = await call("/v1/me", { token });
    const tag = first.headers.get("etag");
    expect(tag).toBeTruthy();
    expect(first.headers.get("cache-control")).toBeTruthy();
    const second = await call("/v1/me", { token, headers: { "if-none-match": tag! } });
    expect(second.status).toBe(304);
    expect(second.text).toBe("");
    expect(second.headers.get("x-request-id")).toBeTruthy();
  });

  it("trims objects with ?fields= and refuses unknown fields", async () => {
    const { token } = await userToken();
    const r = await call("/v1/me?fields=id,role", { token });
    expect(Object.keys(r.body).sort()).toEqual(["id", "role"]);
    const bad = await call("/v1/me?fields=id,password_hash", { token });
    expect(bad.status).toBe(400);
    expect(bad.problem.code).toBe("validation_failed");
  });
});
