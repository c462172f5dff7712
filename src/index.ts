// Worker entry: fetch (the Hono app), scheduled (cron → enqueue), queue (consumers), and the DO classes.
export { RateLimiter } from "./durable/rate-limiter";
export { PriceHub } from "./durable/price-hub";

export default {
  async fetch(): Promise<Response> {
    return new Response("booting", { status: 503 });
  },
} satisfies ExportedHandler<Env>;
