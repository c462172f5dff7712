// Webhook target rules: https to public hosts only in production; http and loopback too in local development.
import { describe, expect, it } from "vitest";
import { checkTargetUrl, parseV4, parseV6 } from "../../src/domain/url-safety";

const production = { allowLocal: false };
const local = { allowLocal: true };

// Every one of these must be refused in production (SSRF: private, loopback, link-local, metadata, encodings, credentials).
const REFUSED = [
  "http://example.com/hook", // not https
  "ftp://example.com/hook",
  "javascript:alert(1)",
  "not a url",
  "https://user:pass@example.com/hook", // credentials
  "https://token@example.com/hook",
  "https://localhost/hook",
  "https://api.localhost/hook",
  "https://127.0.0.1/hook",
  "https://127.1.2.3/hook",
  "https://0.0.0.0/hook",
  "https://0/hook",
  "https://10.0.0.5/hook",
  "https://10.255.255.255/hook",
  "https://172.16.0.1/hook",
  "https://172.31.255.254/hook",
  "https://192.168.1.10/hook",
  "https://100.64.0.1/hook", // carrier-grade NAT
  "https://169.254.169.254/latest/meta-data/", // cloud metadata
  "https://169.254.1.1/hook", // link-local
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://metadata/hook",
  "https://instance-data/hook",
  "https://printer.local/hook",
  "https://db.internal/hook",
  "https://intranet/hook", // single label
  "https://2130706433/hook", // decimal 127.0.0.1
  "https://017700000001/hook", // octal 127.0.0.1
  "https://0x7f000001/hook", // hex 127.0.0.1
  "https://0x7f.0.0.1/hook",
  "https://0177.0.0.1/hook",
  "https://127.1/hook", // short form
  "https://3232235777/hook", // decimal 192.168.1.1
  "https://0xa9fea9fe/hook", // hex 169.254.169.254
  "https://[::1]/hook",
  "https://[::]/hook",
  "https://[::ffff:127.0.0.1]/hook", // IPv4-mapped
  "https://[::ffff:7f00:1]/hook",
  "https://[::ffff:169.254.169.254]/hook",
  "https://[::ffff:8.8.8.8]/hook", // mapped, even when public: no IPv4 smuggling
  "https://[64:ff9b::a00:1]/hook", // NAT64 of 10.0.0.1
  "https://[fc00::1]/hook",
  "https://[fd12:3456::1]/hook",
  "https://[fe80::1]/hook",
  "https://[fec0::1]/hook",
  "https://[ff02::1]/hook",
  "https://224.0.0.1/hook",
  "https://255.255.255.255/hook",
  "https://198.18.0.1/hook",
  "https://192.0.2.1/hook",
];

const ALLOWED = [
  "https://example.com/hook",
  "https://hooks.example.co.uk/path?x=1",
  "https://hooks.example.co.uk:443/path", // the https default, spelled out
  "https://8.8.8.8/hook",
  "https://[2606:4700:4700::1111]/hook",
  "https://172.32.0.1/hook", // just past 172.16/12
  "https://100.128.0.1/hook", // just past 100.64/10
];

describe("webhook target URLs in production", () => {
  it(`refuses ${REFUSED.length} unsafe targets`, () => {
    expect(REFUSED.length).toBeGreaterThanOrEqual(20);
    const accepted = REFUSED.filter((u) => checkTargetUrl(u, production).ok);
    expect(accepted).toEqual([]);
  });

  it("accepts public https targets", () => {
    for (const u of ALLOWED) expect(checkTargetUrl(u, production), u).toMatchObject({ ok: true });
  });

  it("says why a target is refused", () => {
    expect(checkTargetUrl("https://10.1.2.3/", production)).toEqual({
      ok: false,
      reason: expect.stringContaining("private"),
    });
    expect(checkTargetUrl("http://example.com/", production)).toEqual({ ok: false, reason: "must be an https URL" });
  });
});

describe("webhook target URLs in local development", () => {
  it("allows http and loopback", () => {
    for (const u of [
      "http://127.0.0.1:8788/hook",
      "http://localhost:3000/hook",
      "http://[::1]:9000/",
      "https://example.com/",
    ]) {
      expect(checkTargetUrl(u, local), u).toMatchObject({ ok: true });
    }
  });

  it("still refuses private networks, metadata and credentials", () => {
    for (const u of [
      "http://10.0.0.1/",
      "http://169.254.169.254/",
      "http://u:p@localhost/",
      "http://[::ffff:10.0.0.1]/",
      "file:///etc/passwd",
    ]) {
      expect(checkTargetUrl(u, local).ok, u).toBe(false);
    }
  });
});

describe("address parsing", () => {
  it("reads every legacy IPv4 spelling as inet_aton does", () => {
    const loopback = 0x7f000001;
    for (const s of ["127.0.0.1", "2130706433", "0x7f000001", "017700000001", "0x7f.1", "127.1", "0177.0.0.01"])
      expect(parseV4(s), s).toBe(loopback);
    for (const s of ["256.0.0.1", "1.2.3.4.5", "1..2", "09.1.1.1", "abc"]) expect(parseV4(s), s).toBeNull();
    expect(parseV4("0x")).toBe(0); // a bare 0x is zero to inet_aton and WHATWG alike, and 0/8 is refused
  });

  it("expands IPv6 with :: and dotted tails", () => {
    expect(parseV6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseV6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseV6("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(parseV6("1::2::3")).toBeNull();
  });
});
