// The live stream client: authenticates with its first message, resubscribes after every reconnect (with
// jittered backoff) and tells a gap in a symbol's or index's `seq` apart from a duplicate it drops.

export interface StatusFrame {
  type: "status";
  status: "authenticated";
}
export interface SubscribedFrame {
  type: "subscribed";
  symbols: string[];
  indexes: string[];
}
export interface QuoteFrame {
  type: "quote";
  symbol: string;
  price: number;
  change?: number;
  change_pct?: number;
  ts: string;
  seq: number;
}
export interface IndexFrame {
  type: "index";
  id: string;
  value: number;
  ts: string;
  seq: number;
}
export interface AlertFrame {
  type: "alert";
  id: string;
  symbol: string;
  price: number;
  ts: string;
}
export interface PongFrame {
  type: "pong";
}
export interface ErrorFrame {
  type: "error";
  code: "bad_message" | "unknown_symbol" | "too_many_subscriptions" | "unauthorized" | "rate_limited" | (string & {});
  message: string;
}
export type ServerFrame = StatusFrame | SubscribedFrame | QuoteFrame | IndexFrame | AlertFrame | PongFrame | ErrorFrame;

/** A rise of `seq` by more than one: `missed` frames never arrived (e.g. while reconnecting). */
export interface GapEvent {
  kind: "quote" | "index";
  key: string;
  expected: number;
  received: number;
  missed: number;
}

/** The part of a WebSocket this client uses (the browser's, Node 22's, or workerd's accepted socket). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
}

export interface StreamOptions {
  /** ws:// or wss:// URL of /v1/stream. */
  url: string;
  /** An access JWT or API key; called again on every reconnect, so a renewed token is used. */
  token: () => string | Promise<string>;
  symbols?: string[];
  indexes?: string[];
  /** Opens a socket; defaults to the global WebSocket. May resolve an already open socket. */
  connect?: (url: string) => SocketLike | Promise<SocketLike>;
  /** First reconnect wait and its cap (default 500 ms → 30 s, full jitter). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Stop reconnecting after this many failed attempts in a row (default: never). */
  maxReconnects?: number;
}

interface Events {
  frame: ServerFrame;
  quote: QuoteFrame;
  index: IndexFrame;
  alert: AlertFrame;
  error: ErrorFrame;
  gap: GapEvent;
  authenticated: StatusFrame;
  subscribed: SubscribedFrame;
  reconnecting: { attempt: number; waitMs: number; reason: string };
  closed: { code: number; reason: string };
}
type Listener<K extends keyof Events> = (event: Events[K]) => void;

const OPEN = 1;

export class EdgeindexStream {
  private socket: SocketLike | undefined;
  private readonly listeners = new Map<keyof Events, Set<(e: never) => void>>();
  private readonly lastSeq = new Map<string, number>();
  private readonly symbols: Set<string>;
  private readonly indexes: Set<string>;
  private backoff: number;
  private failures = 0;
  private stopped = false;
  private authenticated = false;
  private readonly queue: ServerFrame[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly options: StreamOptions) {
    this.symbols = new Set((options.symbols ?? []).map((s) => s.toUpperCase()));
    this.indexes = new Set(options.indexes ?? []);
    this.backoff = options.minBackoffMs ?? 500;
  }

  /** Opens the connection (and keeps it open until `close()`); resolves once authenticated. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAuth = () => {
        this.off("authenticated", onAuth);
        resolve();
      };
      this.on("authenticated", onAuth);
      this.open().catch(reject);
    });
  }

  on<K extends keyof Events>(type: K, listener: Listener<K>): this {
    const set = this.listeners.get(type) ?? new Set();
    this.listeners.set(type, set);
    set.add(listener as (e: never) => void);
    return this;
  }

  off<K extends keyof Events>(type: K, listener: Listener<K>): this {
    this.listeners.get(type)?.delete(listener as (e: never) => void);
    return this;
  }

  /** Adds to the subscriptions; they are sent again on every reconnect. */
  subscribe(symbols: string[] = [], indexes: string[] = []) {
    for (const s of symbols) this.symbols.add(s.toUpperCase());
    for (const i of indexes) this.indexes.add(i);
    if (this.authenticated) this.send({ action: "subscribe", symbols: symbols.map((s) => s.toUpperCase()), indexes });
  }

  unsubscribe(symbols: string[] = [], indexes: string[] = []) {
    for (const s of symbols) this.symbols.delete(s.toUpperCase());
    for (const i of indexes) this.indexes.delete(i);
    if (this.authenticated) this.send({ action: "unsubscribe", symbols: symbols.map((s) => s.toUpperCase()), indexes });
  }

  ping() {
    this.send({ action: "ping" });
  }

  close() {
    this.stopped = true;
    this.socket?.close(1000, "client closed");
    this.wake?.();
  }

  /** Every frame, in order, until `close()`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ServerFrame> {
    while (!this.stopped || this.queue.length) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }

  private emit<K extends keyof Events>(type: K, event: Events[K]) {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<K>)(event);
  }

  private send(message: unknown) {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private async open() {
    const connect = this.options.connect ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    const socket = await connect(this.options.url);
    this.socket = socket;
    this.authenticated = false;
    const authenticate = async () => {
      try {
        socket.send(JSON.stringify({ action: "auth", token: await this.options.token() }));
      } catch (err) {
        socket.close(4000, `no token: ${(err as Error).message}`);
      }
    };
    socket.addEventListener("message", (event: { data: unknown }) => this.receive(String(event.data)));
    socket.addEventListener("close", (event: { code: number; reason: string }) => this.closed(event));
    socket.addEventListener("error", () => {}); // "close" follows and decides about reconnecting
    if (socket.readyState === OPEN) await authenticate();
    else socket.addEventListener("open", () => void authenticate());
  }

  private receive(raw: string) {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(raw) as ServerFrame;
    } catch {
      return;
    }
    if ((frame.type === "quote" || frame.type === "index") && !this.inSequence(frame)) return;
    if (frame.type === "status") {
      this.authenticated = true;
      this.failures = 0;
      this.backoff = this.options.minBackoffMs ?? 500;
      // Subscriptions belong to a connection: every (re)connect sends them again.
      if (this.symbols.size || this.indexes.size) {
        this.send({ action: "subscribe", symbols: [...this.symbols], indexes: [...this.indexes] });
      }
      this.emit("authenticated", frame);
    }
    if (frame.type === "subscribed") this.emit("subscribed", frame);
    if (frame.type === "quote") this.emit("quote", frame);
    if (frame.type === "index") this.emit("index", frame);
    if (frame.type === "alert") this.emit("alert", frame);
    if (frame.type === "error") this.emit("error", frame);
    this.emit("frame", frame);
    this.queue.push(frame);
    this.wake?.();
  }

  /** False for a frame already seen (same or older seq); a jump past the next seq is reported as a gap. */
  private inSequence(frame: QuoteFrame | IndexFrame): boolean {
    const key = frame.type === "quote" ? `quote:${frame.symbol}` : `index:${frame.id}`;
    const last = this.lastSeq.get(key);
    if (last !== undefined && frame.seq <= last) return false;
    if (last !== undefined && frame.seq > last + 1) {
      this.emit("gap", {
        kind: frame.type,
        key: frame.type === "quote" ? frame.symbol : frame.id,
        expected: last + 1,
        received: frame.seq,
        missed: frame.seq - last - 1,
      });
    }
    this.lastSeq.set(key, frame.seq);
    return true;
  }

  private closed(event: { code: number; reason: string }) {
    this.authenticated = false;
    this.emit("closed", { code: event.code, reason: event.reason });
    if (this.stopped) return;
    this.failures++;
    if (this.options.maxReconnects !== undefined && this.failures > this.options.maxReconnects) {
      this.stopped = true;
      this.wake?.();
      return;
    }
    const waitMs = Math.round(Math.random() * this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 30_000);
    this.emit("reconnecting", { attempt: this.failures, waitMs, reason: `${event.code} ${event.reason}`.trim() });
    setTimeout(() => {
      if (!this.stopped) this.open().catch((err: Error) => this.closed({ code: 1006, reason: err.message }));
    }, waitMs);
  }
}
