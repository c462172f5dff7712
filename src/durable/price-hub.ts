// PriceHub Durable Object: one class, two roles by name — `shard:<n>` holds hibernating stream sockets,
// `publisher` numbers and fans out ticks (and is the local synthetic clock).
import { DurableObject } from "cloudflare:workers";
import type { LiveQuote, TickReport } from "../services/live";
import { HubPublisher } from "./hub-publisher";
import { HubShard } from "./hub-shard";
import type { Tick } from "./stream-protocol";

/** The Worker names the shard it forwards an upgrade to, so the shard can report itself to the publisher. */
export const SHARD_HEADER = "x-price-hub-shard";

export class PriceHub extends DurableObject<Env> {
  private shardRole?: HubShard;
  private publisherRole?: HubPublisher;

  // No WebSocket auto-response for ping: the runtime would answer it unmetered (3,000 pongs a second were seen);
  // the shard answers pings itself, within the per-connection message rate.

  private get shard(): HubShard {
    this.shardRole ??= new HubShard(this.ctx, this.env);
    return this.shardRole;
  }

  private get publisher(): HubPublisher {
    if (!this.publisherRole) {
      this.ctx.storage.kv.put("role", "publisher");
      this.publisherRole = new HubPublisher(this.ctx, this.env);
    }
    return this.publisherRole;
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    this.ctx.storage.kv.put("role", "shard");
    return this.shard.accept(request.headers.get(SHARD_HEADER) ?? "shard:0");
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.shard.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.shard.closed(ws);
    try {
      // 1005/1006 are reserved: they may be reported but never sent.
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.shard.closed(ws);
  }

  override async alarm(): Promise<void> {
    if (this.ctx.storage.kv.get<string>("role") === "publisher") await this.publisher.tick();
    else await this.shard.deadlines();
  }

  // Shard RPC
  publish(tick: Tick): { sockets: number; sent: number } {
    return this.shard.publish(tick);
  }

  closeRevoked(subjects: string[]): number {
    return this.shard.closeRevoked(subjects);
  }

  // Publisher RPC
  publishTick(quotes: LiveQuote[]): Promise<TickReport> {
    return this.publisher.publishTick(quotes);
  }

  seqOf(symbols: string[]): Record<string, number> {
    return this.publisher.seqOf(symbols);
  }

  watchIndexes(shard: string, ids: string[]): void {
    this.publisher.watchIndexes(shard, ids);
  }

  wake(): Promise<boolean> {
    return this.publisher.wake();
  }

  /** One tick of the local clock now; `force` runs it outside development (tests). */
  tick(now?: number, force = false): Promise<TickReport | null> {
    return this.publisher.tick(now, force);
  }

  /** Symbols this shard's sockets subscribe to: the credit planner spends live quotes on them. */
  subscribedSymbols(): string[] {
    void this.shard; // creates the subscription table on a shard that never had a socket
    return this.ctx.storage.sql
      .exec<{ key: string }>("SELECT DISTINCT key FROM subscription WHERE kind = 's' ORDER BY key")
      .toArray()
      .map((r) => r.key);
  }

  /** Health probe. */
  ping(): "pong" {
    return "pong";
  }
}
