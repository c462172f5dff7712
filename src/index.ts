// Worker entry: fetch (the Hono app), scheduled (cron → enqueue), queue (consumers), and the DO classes.
import { buildApp } from "./app";
import { handleQueue, QUEUES, registerQueueConsumer } from "./jobs/consumer";
import { scheduled } from "./jobs/cron";
import "./jobs/index-jobs";
import { handleWebhookBatch } from "./services/webhook-delivery";

export { PriceHub } from "./durable/price-hub";
export { RateLimiter } from "./durable/rate-limiter";

const app = buildApp();

registerQueueConsumer(QUEUES.webhooks, (batch, env) => handleWebhookBatch(batch, env));

export default {
  fetch: app.fetch,
  scheduled,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
} satisfies ExportedHandler<Env>;
