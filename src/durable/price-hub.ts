// PriceHub Durable Object: WebSocket fan-out shard (built in the live issue).
import { DurableObject } from "cloudflare:workers";

export class PriceHub extends DurableObject<Env> {
  ping(): "pong" {
    return "pong";
  }
}
