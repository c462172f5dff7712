// Finding 5: production webhook targets: https on 443 to a public host; every special-purpose range and local
// name refused, at creation (422 naming url) and again at delivery.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { getConfig } from "../../src/config";
import { checkTargetUrl } from "../../src/domain/url-safety";
import { signAccessToken } from "../../src/services/tokens";
import { registerUser } from "../helpers/auth";
import { BASE } from "../helpers/http";

const production = { allowLocal: false };

// The bypasses as found, then the rest of the IANA special-purpose registries in the forms they can be spelled.
const FOUND = [
  "https://[::ffff:0:127.0.0.1]/hook",
  "https://[64:ff9b:1::7f00:1]/hook",
  "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", // Teredo
  "https://localhost../hook",
  "https://metadata.google.internal../hook",
  "https://example.com:0/hook",
  "https://example.com:6379/hook",
];
const REGISTRIES = [
  "https://192.31.196.1/", // AS112
  "https://192.52.193.1/", // AMT
  "https://192.88.99.1/", // 6to4 relay anycast
  "https://192.175.48.1/", // AS112 direct delegation
  "https://192.0.0.8/", // IETF protocol assignments
  "https://[::ffff:0:a00:1]/", // IPv4-translated 10.0.0.1
  "https://[::a00:1]/", // IPv4-compatible
  "https://[64:ff9b::8.8.8.8]/", // NAT64 (well-known)
  "https://[100::1]/", // discard-only
  "https://[2001:2::1]/", // benchmarking
  "https://[2001:10::1]/", // ORCHID
  "https://[2001:20::1]/", // ORCHIDv2
  "https://[2001:db8::1]/", // documentation
  "https://[3fff::1]/", // documentation (RFC 9637)
  "https://[2002:7f00:1::]/", // 6to4 of 127.0.0.1
  "https://[2620:4f:8000::1]/", // AS112
  "https://[5f00::1]/", // segment routing
  "https://[fd00:ec2::254]/", // AWS metadata over IPv6
  "https://a.localhost./",
  "https://LOCALHOST/",
  "https://printer.local./",
  "https://router.home.arpa/",
  "https://1.0.0.127.in-addr.arpa/",
  "https://something.test/",
  "https://x.onion/",
  "https://a..b.example.com/",
];

describe("SSRF: production webhook targets", () => {
  it.each([...FOUND, ...REGISTRIES])("refuses %s", (url) => {
    expect(checkTargetUrl(url, production).ok).toBe(false);
  });

  it.each([
    "https://example.com/hook",
    "https://example.com:443/hook",
    "https://hooks.example.org./hook",
    "https://8.8.8.8/",
    "https://[2606:4700:4700::1111]/",
    "https://[2001:4860:4860::8888]/", // Google DNS: 2001:4860:: is outside 2001::/23
  ])("accepts %s", (url) => {
    expect(checkTargetUrl(url, production).ok).toBe(true);
  });

  it("names the reason (port, embedded IPv4, local name)", () => {
    expect(checkTargetUrl("https://example.com:6379/", production)).toEqual({ ok: false, reason: "must use port 443" });
    expect(checkTargetUrl("https://[::ffff:0:127.0.0.1]/", production)).toMatchObject({
      reason: expect.stringContaining("embeds an IPv4 address"),
    });
    expect(checkTargetUrl("https://localhost../", production)).toMatchObject({ reason: "is a loopback host" });
  });
});

describe("SSRF: POST /v1/webhooks in production", () => {
  it("answers 422 naming url for every target found, and stores no webhook", async () => {
    const app = buildApp();
    // A production Worker: its own strong secret (the test one is published, so production would refuse it).
    const prod = { ...env, ENVIRONMENT: "production", JWT_SECRET: "ssrf-test-only-secret-9fK2mQ7xL4vB8nR1" } as Env;
    const user = await registerUser();
    const { token } = await signAccessToken(getConfig(prod), { id: user.user.id, role: "user" }, "fam_ssrfprod");
    for (const url of FOUND) {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`${BASE}/v1/webhooks`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ url, events: ["order.filled"] }),
        }),
        prod,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      const body = (await res.json()) as { code: string; errors: Array<{ path: string }> };
      expect(res.status, url).toBe(422);
      expect(body.code).toBe("validation_failed");
      expect(body.errors[0]!.path).toBe("url");
    }
    const stored = await env.DB.prepare("SELECT COUNT(*) AS n FROM webhooks WHERE owner_id = ?")
      .bind(user.user.id)
      .first<{ n: number }>();
    expect(stored!.n).toBe(0);
  });
});
