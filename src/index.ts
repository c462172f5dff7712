// Worker entry: fetch (the Hono app), scheduled (cron → enqueue), queue (consumers), and the DO classes.
import { buildApp } from "./app";

export { PriceHub } from "./durable/price-hub";
export { RateLimiter } from "./durable/rate-limiter";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
