// Finding 7: in production a weak or published JWT_SECRET fails closed: 503 everywhere, /health/ready names it.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import type { AnswerOf, Problem } from "../helpers/answers";

const app = buildApp();
// The value .dev.vars.example ships, copied here by hand: the repository publishes it, so production must refuse it.
const EXAMPLE = "local-development-secret-change-me-0123456789abcdef";

async function fetchWith(vars: Partial<Record<string, string>>, path: string, init: RequestInit = {}) {
  const res = await app.fetch(
    new Request(`http://edgeindex.test${path}`, init),
    { ...env, ...vars } as Env,
    createExecutionContext(),
  );
  const body: unknown = await res.json();
  // The readiness report /health/ready answers, or the problem+json a refused call answers.
  return {
    status: res.status,
    body: body as AnswerOf<"/health/ready", "GET">,
    problem: body as Problem,
    type: res.headers.get("content-type"),
  };
}

describe("JWT_SECRET fails closed in production", () => {
  for (const [name, secret] of [
    ["the example value", EXAMPLE],
    ["a 31-byte secret", "a".repeat(31)],
    ["no secret", ""],
  ] as const) {
    it(`serves nothing with ${name}`, async () => {
      const vars = { ENVIRONMENT: "production", JWT_SECRET: secret };
      for (const [path, init] of [
        ["/health", {}],
        ["/v1/assets", {}],
        [
          "/v1/auth/login",
          {
            method: "POST",
            body: '{"email":"a@b.co","password":"x"}',
            headers: { "content-type": "application/json" },
          },
        ],
        ["/openapi.json", {}],
      ] as const) {
        const r = await fetchWith(vars, path, init);
        expect(r.status, path).toBe(503);
        expect(r.type).toContain("application/problem+json");
        expect(r.problem.code).toBe("upstream_unavailable");
        expect(JSON.stringify(r.body)).not.toContain(secret || "\u0000");
      }
      const ready = await fetchWith(vars, "/health/ready");
      expect(ready.status).toBe(503);
      expect(ready.body.checks.config.status).toBe("down");
      expect(ready.body.checks.config.detail).toContain("JWT_SECRET");
    });
  }

  it("serves with a strong secret in production, and with the example value only in local development", async () => {
    const strong = await fetchWith(
      { ENVIRONMENT: "production", JWT_SECRET: "x7Qm2pL9vR4tY8wK1nB6cZ3hJ5dF0gA!" },
      "/health",
    );
    expect(strong.status).toBe(200);
    const local = await fetchWith({ ENVIRONMENT: "development", JWT_SECRET: EXAMPLE }, "/health");
    expect(local.status).toBe(200);
    const short = await fetchWith({ ENVIRONMENT: "development", JWT_SECRET: "short" }, "/health");
    expect(short.status).toBe(503);
  });
});
