// Worker entry: fetch (the Hono app), scheduled (cron → enqueue), queue (consumers), and the DO classes.
import { buildApp } from "./app";
import { handleQueue } from "./jobs/consumer";
import { scheduled } from "./jobs/cron";

export { PriceHub } from "./durable/price-hub";
export { RateLimiter } from "./durable/rate-limiter";

const app = buildApp();

export default {
  fetch: app.fetch,
  scheduled,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
} satisfies ExportedHandler<Env>;
