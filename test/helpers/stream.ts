// WebSocket test client for /v1/stream: collects frames, waits for the one a test expects, records the close.
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { SHARD_HEADER } from "../../src/durable/price-hub";
import type { AlertNotice, ErrorCode } from "../../src/durable/stream-protocol";

/** A server frame as src/durable/stream-protocol.ts writes it (and the AsyncAPI document describes it). */
export type Frame =
  | { type: "quote"; symbol: string; price: number; change?: number; change_pct?: number; ts: string; seq: number }
  | { type: "index"; id: string; value: number; ts: string; seq: number }
  | ({ type: "alert"; index_id?: string; symbol?: string } & Omit<AlertNotice, "owner_id" | "index_id" | "symbol">)
  | { type: "error"; code: ErrorCode; message: string }
  | { type: "status"; status: "authenticated" }
  | { type: "subscribed"; symbols: string[]; indexes: string[] }
  | { type: "pong" };

/** A wait predicate that also narrows: a frame of `type` for which `test` holds. */
export const frameOf =
  <K extends Frame["type"]>(type: K, test: (f: Extract<Frame, { type: K }>) => boolean = () => true) =>
  (f: Frame): f is Extract<Frame, { type: K }> =>
    f.type === type && test(f as Extract<Frame, { type: K }>);

export interface StreamClient {
  ws: WebSocket;
  frames: Frame[];
  closed: { code: number; reason: string } | null;
  send(msg: unknown): void;
  /** Resolves with the first frame (at or after `from`) matching `pred`; rejects after `ms`. */
  next<F extends Frame>(pred: (f: Frame) => f is F, opts?: { ms?: number; from?: number }): Promise<F>;
  next(pred: (f: Frame) => boolean, opts?: { ms?: number; from?: number }): Promise<Frame>;
  /** Waits `ms` and returns the frames matching `pred` that arrived meanwhile. */
  quiet<F extends Frame>(pred: (f: Frame) => f is F, ms?: number): Promise<F[]>;
  quiet(pred: (f: Frame) => boolean, ms?: number): Promise<Frame[]>;
  waitClosed(ms?: number): Promise<{ code: number; reason: string }>;
}

function wrap(ws: WebSocket): StreamClient {
  ws.accept();
  const client: StreamClient = {
    ws,
    frames: [],
    closed: null,
    send: (msg) => ws.send(typeof msg === "string" ? msg : JSON.stringify(msg)),
    async next(pred: (f: Frame) => boolean, { ms = 3000, from = 0 } = {}) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const hit = client.frames.slice(from).find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(client.frames)}`);
    },
    async quiet(pred: (f: Frame) => boolean, ms = 150) {
      const start = client.frames.length;
      await new Promise((r) => setTimeout(r, ms));
      return client.frames.slice(start).filter(pred);
    },
    async waitClosed(ms = 3000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (client.closed) return client.closed;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error("socket did not close");
    },
  };
  ws.addEventListener("message", (e) => {
    client.frames.push(JSON.parse(e.data as string));
  });
  ws.addEventListener("close", (e) => {
    client.closed = { code: e.code, reason: e.reason };
  });
  return client;
}

/** Through the real Worker route (it picks the shard). */
export async function connectStream(): Promise<StreamClient> {
  const res = await exports.default.fetch(new Request("http://x/v1/stream", { headers: { Upgrade: "websocket" } }));
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  return wrap(res.webSocket);
}

/** Straight to one shard, so a test controls which shard a socket lives on. */
export async function connectShard(shard: string): Promise<StreamClient> {
  const res = await env.PRICE_HUB.getByName(shard).fetch(
    new Request("http://x/v1/stream", { headers: { Upgrade: "websocket", [SHARD_HEADER]: shard } }),
  );
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status}`);
  return wrap(res.webSocket);
}

/** Connects and authenticates; resolves once the server says so. */
export async function authedStream(token: string, shard?: string): Promise<StreamClient> {
  const client = shard ? await connectShard(shard) : await connectStream();
  client.send({ action: "auth", token });
  await client.next((f) => f.type === "status" && f.status === "authenticated");
  return client;
}
