// API.md: without a vendor key "live quotes tick at least once a second". A client that only polls GET /v1/quotes
// (no stream socket) sees them move too: its reads keep the local synthetic clock running. Run alone (no other
// file's socket open), this fails without that: the clock idles and every read returns the same `ts`.
import { describe, expect, inject, it } from "vitest";
import { demoToken } from "./demo-login.ts";

const base = inject("base");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("GET /v1/quotes, polled without a stream", () => {
  it("moves at least once a second: every few reads show a newer ts", async () => {
    const auth = { authorization: `Bearer ${await demoToken(base)}` };
    const read = async () => {
      const res = await fetch(`${base}/v1/quotes?symbols=AAPL`, { headers: auth });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: Array<{ ts: string; price: number }> };
      return body.data[0]!;
    };
    const first = await read();
    const seen = new Set<string>([first.ts]);
    // 1 s ticks: within 6 s of reads (every 500 ms) the quote must have moved at least three times.
    for (let i = 0; i < 12; i++) {
      await sleep(500);
      seen.add((await read()).ts);
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
    const stamps = [...seen].map((t) => Date.parse(t)).sort((a, b) => a - b);
    expect(stamps.at(-1)! - Date.now()).toBeLessThanOrEqual(0); // no quote from the future
    expect(Date.now() - stamps.at(-1)!).toBeLessThan(3_000); // the latest read is live, not hours old
  });
});
