// What one isolate keeps between requests stays bounded however many callers come: imported HMAC keys (one per
// webhook secret and signing API key) and token leases (one per recent caller) are capped by count.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { heldHmacKeys, hmacSha256Hex } from "../../src/crypto";
import { perPeriod } from "../../src/domain/token-bucket";
import { LeaseBook } from "../../src/http/token-leases";
import { type CacheNamespace, cacheVersion, heldVersionCount, withVersionHold } from "../../src/services/cache";

describe("isolate memory stays bounded", () => {
  it("holds at most 1,000 imported HMAC keys after 1,500 distinct secrets, and still signs right", async () => {
    for (let i = 0; i < 1_500; i++) await hmacSha256Hex(`whsec_bounded_${i}_${"x".repeat(40)}`, "payload");
    expect(heldHmacKeys()).toBeLessThanOrEqual(1_000);
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    expect(await hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("keeps a lease book within its bound when more callers than that take leases", async () => {
    const book = new LeaseBook(3);
    const buckets = [{ name: "requests", ...perPeriod(600, 60) }];
    const stamp = Date.now();
    for (let i = 0; i < 5; i++) {
      const name = `user:bounded-${stamp}-${i}`;
      const d = await book.admit(() => env.RATE_LIMITER.getByName(name), name, buckets);
      expect(d.allowed).toBe(true);
    }
    expect(book.size).toBeLessThanOrEqual(3);
    // The newest caller's lease is the one kept: its next request is served from it (one token less, no new ask).
    const last = `user:bounded-${stamp}-4`;
    expect(book.heldFor(last)).toBe(11);
  });

  it("holds at most 10,000 namespace versions after 10,050 indexes were read, and still answers each", async () => {
    const stamp = Date.now();
    const names = Array.from({ length: 10_050 }, (_, i) => `index:idx_bounded_${stamp}_${i}` as CacheNamespace);
    for (let i = 0; i < names.length; i += 200)
      await Promise.all(names.slice(i, i + 200).map((ns) => withVersionHold(1_000, () => cacheVersion(env.CACHE, ns))));
    expect(heldVersionCount(env.CACHE)).toBeLessThanOrEqual(10_000);
    await env.CACHE.put(`ver:${names[0]}`, "v-bounded");
    // The first one was let go, so it is read again (not served from memory as "0").
    expect(await withVersionHold(1_000, () => cacheVersion(env.CACHE, names[0]!))).toBe("v-bounded");
  });
});
