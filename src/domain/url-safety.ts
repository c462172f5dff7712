// Whether a webhook target may be called: https to a public host in production; http and loopback too in local development.
// Works on the WHATWG-parsed URL, which already turns decimal, octal and hex IPv4 spellings into dotted quads,
// and re-parses numeric hosts itself so a spelling the parser leaves alone cannot slip through.

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export interface UrlPolicy {
  /** Local development: http and loopback targets are allowed so webhooks can be tried on one machine. */
  allowLocal: boolean;
}

const METADATA_HOSTS = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.azure.com",
  "169.254.169.254",
  "fd00:ec2::254",
]);
/** Special-use and private-use name suffixes (RFC 6761, 6762, 8375, 7686, 9476 and common internal zones). */
const BLOCKED_SUFFIXES = [
  ".internal",
  ".local",
  ".localdomain",
  ".home.arpa",
  ".arpa",
  ".lan",
  ".intranet",
  ".corp",
  ".home",
  ".test",
  ".example",
  ".invalid",
  ".onion",
  ".alt",
];

/**
 * The IANA IPv4 Special-Purpose Address Registry (plus multicast): [network, prefix length, what it is].
 * Loopback is listed separately because local development allows it.
 */
const BLOCKED_V4: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "the unspecified network"],
  ["10.0.0.0", 8, "a private network"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "a private network"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.31.196.0", 24, "AS112"],
  ["192.52.193.0", 24, "AMT"],
  ["192.88.99.0", 24, "the 6to4 relay anycast"],
  ["192.168.0.0", 16, "a private network"],
  ["192.175.48.0", 24, "AS112 direct delegation"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

/**
 * Inside global unicast (2000::/3, the only IPv6 space allowed), the IANA IPv6 Special-Purpose Address Registry
 * entries: [first group, mask of the first group, second group, mask of the second group, what it is].
 */
const BLOCKED_V6: Array<[number, number, number, number, string]> = [
  [0x2001, 0xffff, 0x0000, 0xfe00, "IETF protocol assignments, Teredo included (2001::/23)"],
  [0x2001, 0xffff, 0x0db8, 0xffff, "documentation (2001:db8::/32)"],
  [0x2002, 0xffff, 0, 0, "6to4, which embeds an IPv4 address (2002::/16)"],
  [0x3fff, 0xffff, 0x0000, 0xf000, "documentation (3fff::/20)"],
];

/** Ports other than the https default are refused in production (6379 Redis, 0, admin consoles...). */
const PRODUCTION_PORT = "";

export function checkTargetUrl(raw: string, policy: UrlPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a valid absolute URL" };
  }
  if (url.protocol !== "https:" && !(policy.allowLocal && url.protocol === "http:")) {
    return { ok: false, reason: policy.allowLocal ? "must be an http or https URL" : "must be an https URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry credentials" };
  // WHATWG parsing drops the default port (":443" for https), so anything left is another port.
  if (!policy.allowLocal && url.port !== PRODUCTION_PORT) return { ok: false, reason: "must use port 443" };
  // Every trailing dot goes ("localhost.." is localhost); an empty label inside is no host at all.
  const host = url.hostname.toLowerCase().replace(/\.+$/, "");
  if (!host) return { ok: false, reason: "has no host" };
  if (!host.startsWith("[") && host.split(".").some((label) => label === ""))
    return { ok: false, reason: "has an empty label in its host name" };
  const verdict = host.startsWith("[") ? checkV6(host.slice(1, -1), policy) : checkHostname(host, policy);
  return verdict ? { ok: false, reason: verdict } : { ok: true, url };
}

function checkHostname(host: string, policy: UrlPolicy): string | null {
  const v4 = parseV4(host);
  if (v4 !== null) return checkV4(v4, policy);
  if (/^[0-9x.]+$/i.test(host)) return "is a numeric host that is not a valid IPv4 address";
  if (host === "localhost" || host.endsWith(".localhost")) return policy.allowLocal ? null : "is a loopback host";
  if (METADATA_HOSTS.has(host)) return "is a cloud metadata host";
  if (BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) return "is an internal host name";
  if (!host.includes(".")) return "must be a fully qualified public host name";
  return null;
}

/** Dotted quad, or the legacy forms (one to four parts; decimal, 0-octal, 0x-hex) inet_aton accepts. */
export function parseV4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length < 1 || parts.length > 4 || parts.some((p) => p === "")) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = Number.parseInt(p, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) n = Number(p);
    else return null;
    if (!Number.isFinite(n)) return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return null;
  return nums.reduce((acc, n, i) => acc + n * 256 ** (3 - i), 0) + last;
}

function inV4(addr: number, network: string, bits: number): boolean {
  const base = parseV4(network)!;
  const size = 2 ** (32 - bits);
  return addr >= base && addr < base + size;
}

function checkV4(addr: number, policy: UrlPolicy): string | null {
  if (inV4(addr, "127.0.0.0", 8)) return policy.allowLocal ? null : "is a loopback address";
  if (addr === 0xffffffff) return "is the broadcast address";
  for (const [net, bits, what] of BLOCKED_V4) if (inV4(addr, net, bits)) return `is in ${what} (${net}/${bits})`;
  return null;
}

/** 8 groups of 16 bits; null when not an IPv6 literal. Embedded dotted IPv4 tails are accepted. */
export function parseV6(text: string): number[] | null {
  let s = text.split("%")[0]!;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v4 = parseV4(tail[1]!);
    if (v4 === null) return null;
    s = `${s.slice(0, -tail[1]!.length)}${((v4 >>> 16) & 0xffff).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const group = (part: string) => (part ? part.split(":") : []);
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16));
}

function checkV6(text: string, policy: UrlPolicy): string | null {
  const g = parseV6(text);
  if (!g) return "is not a valid IPv6 address";
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroPrefix(7) && g[7] === 1) return policy.allowLocal ? null : "is the IPv6 loopback address";
  if (zeroPrefix(8)) return "is the unspecified address";
  const first = g[0]!;
  // Only global unicast: this refuses, among others, every form that embeds an IPv4 target outside it (mapped
  // ::ffff:0:0/96, translated ::ffff:0:0:0/96, compatible ::/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48), the
  // discard prefix 100::/64, segment-routing 5f00::/16, unique-local fc00::/7, link-local, site-local, multicast.
  if ((first & 0xe000) !== 0x2000) {
    if (first === 0 || first === 0x64)
      return "embeds an IPv4 address (mapped, compatible or translated IPv6 is not allowed)";
    if ((first & 0xfe00) === 0xfc00) return "is a unique-local address (fc00::/7)";
    if ((first & 0xffc0) === 0xfe80) return "is a link-local address (fe80::/10)";
    if ((first & 0xff00) === 0xff00) return "is a multicast address";
    return "is not a global unicast address (2000::/3)";
  }
  for (const [a, maskA, b, maskB, what] of BLOCKED_V6)
    if ((first & maskA) === a && (g[1]! & maskB) === b) return `is in ${what}`;
  if (first === 0x2620 && g[1] === 0x004f && g[2] === 0x8000)
    return "is in AS112 direct delegation (2620:4f:8000::/48)";
  return null;
}
