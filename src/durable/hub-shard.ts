// One PriceHub shard: hibernating sockets, the auth handshake, subscriptions and sending each tick to its subscribers.
// Durable state: auth in each socket's attachment; subscriptions and last frames in the shard's SQLite storage
// (an attachment is capped at 2 KiB, too small for 100 index ids). The in-memory maps are only a lookup cache,
// rebuilt from that state after the shard wakes from hibernation.
import { getConfig } from "../config";
import { allActiveAssets } from "../db/assets";
import { ownedIndexIds } from "../db/indexes";
import { storedQuotes } from "../db/quotes";
import { keepLocalClockAwake, PUBLISHER } from "../services/live";
import { resolveStreamCredential } from "../services/live-auth";
import { addSocket, broadcast, dropSocket, unique } from "./socket-sets";
import {
  CLOSE_QUOTA,
  closeRevoked,
  closeUnauthorized,
  MessageRate,
  rateLimitedFrame,
  renewLeases,
  STREAM_LEASE_MS,
  SWEEP_EVERY_MS,
  sweepRevoked,
} from "./stream-guard";
import {
  AUTH_DEADLINE_MS,
  alertFrame,
  errorFrame,
  indexFrame,
  parseClientMessage,
  quoteFrame,
  type SocketState,
  statusFrame,
  subscribedFrame,
  type Tick,
} from "./stream-protocol";

type Kind = "s" | "i";
/** Known symbols are re-read at most this often; a miss re-reads sooner so a new asset is found quickly. */
const ASSET_CACHE_MS = 60_000;
const ASSET_MISS_REFRESH_MS = 5_000;

export class HubShard {
  private bySymbol = new Map<string, Set<WebSocket>>();
  private byIndex = new Map<string, Set<WebSocket>>();
  private byUser = new Map<string, Set<WebSocket>>();
  private indexed = false;
  private assets: { at: number; ids: Map<string, number> } | null = null;
  private rate = new MessageRate();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS subscription (sid TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
      PRIMARY KEY (sid, kind, key));
      CREATE INDEX IF NOT EXISTS subscription_key ON subscription (kind, key);
      CREATE TABLE IF NOT EXISTS last_frame (kind TEXT NOT NULL, key TEXT NOT NULL, frame TEXT NOT NULL,
      PRIMARY KEY (kind, key));`);
  }

  private get name(): string {
    return this.ctx.storage.kv.get<string>("name") ?? "shard:?";
  }

  accept(name: string): Response {
    this.ctx.storage.kv.put("name", name);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const deadline = Date.now() + AUTH_DEADLINE_MS;
    server.serializeAttachment({ sid: crypto.randomUUID(), userId: null, deadline } satisfies SocketState);
    this.armDeadline(deadline);
    return new Response(null, { status: 101, webSocket: client });
  }

  async message(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const state = ws.deserializeAttachment() as SocketState | null;
    if (!state) return;
    if (!this.rate.admit(ws)) return void ws.send(rateLimitedFrame());
    const parsed = parseClientMessage(raw);
    if (!state.userId) return this.handshake(ws, state, parsed);
    if (!parsed.ok) return void ws.send(errorFrame("bad_message", parsed.message));
    const msg = parsed.msg;
    if (msg.action === "ping") return void ws.send('{"type":"pong"}');
    if (msg.action === "auth")
      return void ws.send(errorFrame("bad_message", "this connection is already authenticated"));
    if (msg.action === "subscribe") return this.subscribe(ws, state, msg.symbols, msg.indexes);
    this.unsubscribe(ws, state, msg.symbols, msg.indexes);
  }

  /** Until a socket authenticates, only `auth` (and ping) are accepted; anything else or a bad token closes it. */
  private async handshake(ws: WebSocket, state: SocketState, parsed: ReturnType<typeof parseClientMessage>) {
    if (parsed.ok && parsed.msg.action === "ping") return void ws.send('{"type":"pong"}');
    if (Date.now() > state.deadline) return this.refuse(ws, "authentication timed out");
    if (!parsed.ok || parsed.msg.action !== "auth")
      return this.refuse(ws, 'the first message must be {"action":"auth","token":...}');
    const who = await resolveStreamCredential(this.env, parsed.msg.token);
    if (!who) return this.refuse(ws, "the token is invalid or expired, or its key lacks the read scope");
    const userId = who.userId;
    const quota = getConfig(this.env).QUOTA_STREAM_CONNECTIONS;
    if (!(await this.env.RATE_LIMITER.getByName(`streams:${userId}`).leaseStream(state.sid, quota, STREAM_LEASE_MS))) {
      try {
        ws.send(errorFrame("quota_exceeded", `at most ${quota} open stream connections per account`));
        ws.close(CLOSE_QUOTA, "quota_exceeded");
      } catch {
        // already gone
      }
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) {
      // The client left while its credential was checked: `closed()` already ran without a user, so the place
      // just leased is given back here and the socket joins no index (nor gets a frame it cannot take).
      await this.env.RATE_LIMITER.getByName(`streams:${userId}`)
        .releaseStream(state.sid)
        .catch(() => undefined); // the lease expires on its own
      return;
    }
    ws.serializeAttachment({ ...state, userId, credential: who.credential } satisfies SocketState);
    await this.armSweep();
    if (this.indexed) addSocket(this.byUser, userId, ws);
    ws.send(statusFrame("authenticated"));
    // The local synthetic clock runs only while someone listens: a live socket keeps reminding it.
    keepLocalClockAwake(this.env, getConfig(this.env), (work) => this.ctx.waitUntil(work));
  }

  private refuse(ws: WebSocket, message: string) {
    closeUnauthorized(ws, message);
  }

  /** Closes the sockets living by a revoked session or key (the revoking request tells every shard). */
  closeRevoked(subjects: string[]): number {
    return closeRevoked(this.ctx.getWebSockets(), subjects);
  }

  /** While authenticated sockets are open, an alarm re-checks their credentials every SWEEP_EVERY_MS. */
  private async armSweep(now = Date.now()) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > now + SWEEP_EVERY_MS) await this.ctx.storage.setAlarm(now + SWEEP_EVERY_MS);
  }

  private async subscribe(ws: WebSocket, state: SocketState, symbols: string[], indexes: string[]) {
    const fresh = () => ({
      symbols: unique(symbols).filter((s) => !this.has(state.sid, "s", s)),
      indexes: unique(indexes).filter((i) => !this.has(state.sid, "i", i)),
    });
    const max = getConfig(this.env).STREAM_MAX_SUBSCRIPTIONS;
    const overLimit = () => {
      const want = fresh();
      return this.countOf(state.sid) + want.symbols.length + want.indexes.length > max;
    };
    // Refused whole, before any lookup, so a client cannot probe symbols past its limit.
    if (overLimit())
      return void ws.send(errorFrame("too_many_subscriptions", `at most ${max} subscriptions per connection`));
    const wanted = fresh();
    const [known, ownIndexes] = await Promise.all([
      this.knownSymbols(wanted.symbols),
      this.ownIndexes(state.userId!, wanted.indexes),
    ]);
    const unknown = wanted.symbols.filter((s) => !known.has(s));
    const missingIndexes = wanted.indexes.filter((i) => !ownIndexes.has(i));
    if (unknown.length) ws.send(errorFrame("unknown_symbol", `unknown symbol(s): ${unknown.join(", ")}`));
    if (missingIndexes.length) ws.send(errorFrame("unknown_symbol", `unknown index(es): ${missingIndexes.join(", ")}`));
    // Another subscribe on this socket may have landed while the lookups were in flight.
    if (overLimit())
      return void ws.send(errorFrame("too_many_subscriptions", `at most ${max} subscriptions per connection`));
    const addSymbols = fresh().symbols.filter((s) => known.has(s));
    const addIndexes = fresh().indexes.filter((i) => ownIndexes.has(i));
    this.ensureIndexed();
    for (const s of addSymbols) this.insert(ws, state.sid, "s", s);
    for (const i of addIndexes) this.insert(ws, state.sid, "i", i);
    ws.send(this.subscribedOf(state.sid));
    await this.sendLatest(ws, addSymbols, addIndexes);
    if (addIndexes.length) await this.reportWatched();
  }

  private unsubscribe(ws: WebSocket, state: SocketState, symbols: string[], indexes: string[]) {
    this.ensureIndexed();
    let indexesChanged = false;
    for (const s of unique(symbols)) this.remove(ws, state.sid, "s", s);
    for (const i of unique(indexes)) indexesChanged = this.remove(ws, state.sid, "i", i) || indexesChanged;
    ws.send(this.subscribedOf(state.sid));
    if (indexesChanged) return this.reportWatched();
  }

  async closed(ws: WebSocket): Promise<void> {
    const state = ws.deserializeAttachment() as SocketState | null;
    if (!state) return;
    this.ensureIndexed();
    const rows = this.ctx.storage.sql
      .exec<{ kind: Kind; key: string }>("SELECT kind, key FROM subscription WHERE sid = ?", state.sid)
      .toArray();
    for (const r of rows) this.remove(ws, state.sid, r.kind, r.key);
    if (state.userId) {
      dropSocket(this.byUser, state.userId, ws);
      await this.env.RATE_LIMITER.getByName(`streams:${state.userId}`)
        .releaseStream(state.sid)
        .catch(() => undefined); // the lease expires on its own
    }
    if (rows.some((r) => r.kind === "i")) await this.reportWatched();
  }

  /**
   * Closes sockets that missed their auth deadline or whose credential was revoked, and re-arms for the next
   * deadline or sweep.
   */
  async deadlines(now = Date.now()): Promise<void> {
    let next = Number.POSITIVE_INFINITY;
    let authenticated = false;
    for (const ws of this.ctx.getWebSockets()) {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (!state) continue;
      if (state.userId) {
        authenticated = true;
        continue;
      }
      if (state.deadline <= now) this.refuse(ws, "authentication timed out");
      else next = Math.min(next, state.deadline);
    }
    if (authenticated) {
      await renewLeases(this.env, this.ctx.getWebSockets());
      await sweepRevoked(this.env.DB, this.ctx.getWebSockets()).catch((err) =>
        console.error(JSON.stringify({ level: "error", msg: "stream sweep failed", error: String(err) })),
      );
      next = Math.min(next, now + SWEEP_EVERY_MS);
    }
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  /** Sends one tick to the subscribers of each symbol and index, and alerts to their owners' sockets. */
  publish(tick: Tick): { sockets: number; sent: number } {
    this.ensureIndexed();
    let sent = 0;
    const sql = this.ctx.storage.sql;
    for (const q of tick.quotes) {
      const frame = quoteFrame(q);
      sql.exec("INSERT OR REPLACE INTO last_frame (kind, key, frame) VALUES ('s', ?, ?)", q.symbol, frame);
      sent += broadcast(this.bySymbol.get(q.symbol), frame);
    }
    for (const level of tick.indexes) {
      const frame = indexFrame(level);
      sql.exec("INSERT OR REPLACE INTO last_frame (kind, key, frame) VALUES ('i', ?, ?)", level.id, frame);
      sent += broadcast(this.byIndex.get(level.id), frame);
    }
    for (const alert of tick.alerts) sent += broadcast(this.byUser.get(alert.owner_id), alertFrame(alert));
    let sockets = 0;
    for (const set of this.byUser.values()) sockets += set.size;
    return { sockets, sent };
  }

  /** Rebuilds the lookup maps from attachments and stored subscriptions; drops rows of sockets that are gone. */
  private ensureIndexed() {
    if (this.indexed) return;
    const live = new Map<string, WebSocket>();
    for (const ws of this.ctx.getWebSockets()) {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (!state) continue;
      live.set(state.sid, ws);
      if (state.userId) addSocket(this.byUser, state.userId, ws);
    }
    const sql = this.ctx.storage.sql;
    for (const r of sql
      .exec<{ sid: string; kind: Kind; key: string }>("SELECT sid, kind, key FROM subscription")
      .toArray()) {
      const ws = live.get(r.sid);
      if (ws) addSocket(r.kind === "s" ? this.bySymbol : this.byIndex, r.key, ws);
      else sql.exec("DELETE FROM subscription WHERE sid = ?", r.sid);
    }
    this.indexed = true;
  }

  private has(sid: string, kind: Kind, key: string): boolean {
    return (
      this.ctx.storage.sql
        .exec("SELECT 1 FROM subscription WHERE sid = ? AND kind = ? AND key = ?", sid, kind, key)
        .toArray().length > 0
    );
  }

  private countOf(sid: string): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM subscription WHERE sid = ?", sid).one()
      .n;
  }

  private insert(ws: WebSocket, sid: string, kind: Kind, key: string) {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO subscription (sid, kind, key) VALUES (?, ?, ?)", sid, kind, key);
    addSocket(kind === "s" ? this.bySymbol : this.byIndex, key, ws);
  }

  /** Returns true when the shard no longer has any subscriber of this key. */
  private remove(ws: WebSocket, sid: string, kind: Kind, key: string): boolean {
    this.ctx.storage.sql.exec("DELETE FROM subscription WHERE sid = ? AND kind = ? AND key = ?", sid, kind, key);
    return dropSocket(kind === "s" ? this.bySymbol : this.byIndex, key, ws);
  }

  private subscribedOf(sid: string): string {
    const rows = this.ctx.storage.sql
      .exec<{ kind: Kind; key: string }>("SELECT kind, key FROM subscription WHERE sid = ? ORDER BY key", sid)
      .toArray();
    return subscribedFrame(
      rows.filter((r) => r.kind === "s").map((r) => r.key),
      rows.filter((r) => r.kind === "i").map((r) => r.key),
    );
  }

  /** The latest frame of each new subscription, so a (re)connecting client is current at once. */
  private async sendLatest(ws: WebSocket, symbols: string[], indexes: string[]) {
    const sql = this.ctx.storage.sql;
    const frameOf = (kind: Kind, key: string) =>
      sql.exec<{ frame: string }>("SELECT frame FROM last_frame WHERE kind = ? AND key = ?", kind, key).toArray()[0]
        ?.frame;
    const missing: string[] = [];
    for (const s of symbols) {
      const frame = frameOf("s", s);
      if (frame) ws.send(frame);
      else missing.push(s);
    }
    for (const i of indexes) {
      const frame = frameOf("i", i);
      if (frame) ws.send(frame);
    }
    if (!missing.length) return;
    // Nothing ticked here yet for these symbols: the stored quote, numbered with the publisher's current seq.
    const [results, seqs] = await Promise.all([
      storedQuotes(this.env.DB, missing),
      this.env.PRICE_HUB.getByName(PUBLISHER).seqOf(missing),
    ]);
    for (const r of results) ws.send(quoteFrame({ ...r, seq: seqs[r.symbol] ?? 0 }));
  }

  private async knownSymbols(symbols: string[]): Promise<Set<string>> {
    if (!symbols.length) return new Set();
    const now = Date.now();
    const stale = !this.assets || now - this.assets.at > ASSET_CACHE_MS;
    const missed =
      this.assets && now - this.assets.at > ASSET_MISS_REFRESH_MS && symbols.some((s) => !this.assets!.ids.has(s));
    if (stale || missed) {
      const results = await allActiveAssets(this.env.DB);
      this.assets = { at: now, ids: new Map(results.map((r) => [r.symbol, r.id])) };
    }
    return new Set(symbols.filter((s) => this.assets!.ids.has(s)));
  }

  /** A user streams only its own indexes; anyone else's id is unknown, as in the REST routes. */
  private async ownIndexes(userId: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    return ownedIndexIds(this.env.DB, userId, ids);
  }

  /** Tells the publisher which indexes this shard's sockets watch, so it computes only those levels. */
  private async reportWatched() {
    const ids = this.ctx.storage.sql
      .exec<{ key: string }>("SELECT DISTINCT key FROM subscription WHERE kind = 'i'")
      .toArray()
      .map((r) => r.key);
    await this.env.PRICE_HUB.getByName(PUBLISHER).watchIndexes(this.name, ids);
  }

  private armDeadline(deadline: number) {
    this.ctx.blockConcurrencyWhile(async () => {
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > deadline) await this.ctx.storage.setAlarm(deadline);
    });
  }
}
