// Paper trading, alerts and webhook request/response schemas, shared by validation and the OpenAPI document.
import { z } from "@hono/zod-openapi";
import { EVENT_TYPES } from "./messages";
import { cursorParam, fieldsParam, ifThen, instant, limitParam, listOf, present, symbolParam } from "./route-parts";

/** No sane paper order is larger; keeps notional arithmetic far inside exact integer range. */
export const MAX_ORDER_QTY = 1_000_000;
const MAX_PRICE = 10_000_000;

const price = z.number().positive().max(MAX_PRICE).finite();

/** The same rule for the document (JSON Schema if/then): limit_price exactly when the order is a limit order. */
const limitPriceRule = ifThen(
  { properties: { type: { const: "limit" } }, required: ["type"] },
  present("limit_price"),
  { not: present("limit_price") },
);

export const OrderBody = z
  .strictObject({
    symbol: symbolParam,
    side: z.enum(["buy", "sell"]),
    qty: z
      .number()
      .positive()
      .max(MAX_ORDER_QTY)
      .finite()
      // Positions are kept in 10⁻⁹ share steps; a finer quantity could not be held exactly.
      // (Only judged for positive finite values: the checks above already name the others.)
      .refine(
        (q) =>
          !(q > 0 && Number.isFinite(q)) ||
          (Math.round(q * 1e9) >= 1 && Math.abs(Math.round(q * 1e9) / 1e9 - q) <= q * 1e-12),
        {
          message: "must have at most 9 decimal places",
        },
      )
      .openapi({ example: 10, description: "Shares; at most 9 decimal places" }),
    type: z.enum(["market", "limit"]),
    limit_price: price.optional(),
    time_in_force: z.enum(["day", "gtc"]).default("day"),
  })
  .superRefine((o, ctx) => {
    if (o.type === "limit" && o.limit_price === undefined) {
      ctx.addIssue({ code: "custom", path: ["limit_price"], message: "a limit order needs limit_price" });
    }
    if (o.type === "market" && o.limit_price !== undefined) {
      ctx.addIssue({ code: "custom", path: ["limit_price"], message: "a market order takes no limit_price" });
    }
  })
  .openapi("OrderRequest", limitPriceRule);

export const OrderStatus = z.enum(["open", "filled", "canceled", "expired", "rejected"]);

export const Order = z
  .object({
    id: z.string().openapi({ example: "ord_3xY..." }),
    symbol: z.string(),
    side: z.enum(["buy", "sell"]),
    qty: z.number(),
    type: z.enum(["market", "limit"]),
    limit_price: z.number().nullable(),
    time_in_force: z.enum(["day", "gtc"]),
    status: OrderStatus,
    filled_qty: z.number(),
    avg_fill_price: z.number().nullable(),
    filled_at: instant.nullable(),
    canceled_at: instant.nullable(),
    expires_at: instant.nullable(),
    created_at: instant,
    updated_at: instant,
  })
  .openapi("Order");

export const OrderList = listOf(Order).openapi("OrderList");
export const OrderListQuery = z.strictObject({
  status: OrderStatus.optional(),
  limit: limitParam(100),
  cursor: cursorParam,
  fields: fieldsParam,
});
export const OrderIdPath = z.object({ id: z.string().min(1).max(64).openapi({ example: "ord_3xY..." }) });

export const Portfolio = z
  .object({
    cash: z.number(),
    equity: z.number(),
    positions: z.array(
      z.object({
        symbol: z.string(),
        qty: z.number(),
        avg_cost: z.number(),
        last_price: z.number().nullable(),
        market_value: z.number(),
        unrealized_pnl: z.number(),
      }),
    ),
    realized_pnl: z.number(),
  })
  .openapi("Portfolio");

const condition = z.enum(["above", "below"]);
const alertIndexId = z.string().min(1).max(64).openapi({ description: "One of your indexes", example: "idx_..." });
/** A fraction strictly between 0 and 1 (0.1 = 10%). */
const fraction = (description: string) => z.number().gt(0).lt(1).finite().openapi({ description, example: 0.1 });

const PriceAlertBody = z
  .strictObject({
    kind: z.literal("price").optional().openapi({ description: "The default" }),
    symbol: symbolParam,
    condition,
    price,
  })
  .openapi("PriceAlertRequest", { description: "Fires when a quote of `symbol` reaches `price` from the side named" });
const IndexLevelAlertBody = z
  .strictObject({ kind: z.literal("index_level"), index_id: alertIndexId, condition, level: price })
  .openapi("IndexLevelAlertRequest", { description: "Fires when the index's live level reaches `level`" });
const DrawdownAlertBody = z
  .strictObject({
    kind: z.literal("drawdown"),
    index_id: alertIndexId,
    threshold: fraction("Fires once the live level is this fraction or more below the highest level of the version"),
  })
  .openapi("DrawdownAlertRequest");
const WeightDriftAlertBody = z
  .strictObject({
    kind: z.literal("weight_drift"),
    index_id: alertIndexId,
    symbol: symbolParam.openapi({ description: "A constituent of the index" }),
    threshold: fraction(
      "Fires once the constituent's live weight is this much (0.05 = 5 points) above or below the weight the last rebalance set",
    ),
  })
  .openapi("WeightDriftAlertRequest");

/** A price alert may omit `kind` (the shape it had before index alerts); the others name theirs. */
export const AlertBody = z
  .discriminatedUnion("kind", [PriceAlertBody, IndexLevelAlertBody, DrawdownAlertBody, WeightDriftAlertBody])
  // The generated discriminator leaves out `price` (its `kind` is optional), so typed clients would demand a
  // `kind` no server accepts; the mapping is given whole.
  .openapi("AlertRequest", {
    discriminator: {
      propertyName: "kind",
      mapping: {
        price: "#/components/schemas/PriceAlertRequest",
        index_level: "#/components/schemas/IndexLevelAlertRequest",
        drawdown: "#/components/schemas/DrawdownAlertRequest",
        weight_drift: "#/components/schemas/WeightDriftAlertRequest",
      },
    },
  });
export type AlertRequest = z.infer<typeof AlertBody>;

export const Alert = z
  .object({
    id: z.string(),
    kind: z.enum(["price", "index_level", "drawdown", "weight_drift"]),
    index_id: z.string().nullable().openapi({ description: "The watched index (index kinds)" }),
    symbol: z
      .string()
      .nullable()
      .openapi({ description: "The priced symbol (price) or the watched constituent (weight_drift)" }),
    condition: condition.nullable().openapi({ description: "price and index_level alerts" }),
    price: z.number().nullable().openapi({ description: "The price of a price alert" }),
    level: z.number().nullable().openapi({ description: "The level of an index_level alert" }),
    threshold: z.number().nullable().openapi({ description: "The fraction of a drawdown or weight_drift alert" }),
    status: z.enum(["active", "triggered"]),
    triggered_at: instant.nullable(),
    triggered_price: z.number().nullable().openapi({ description: "The quote that fired a price alert" }),
    triggered_value: z.number().nullable().openapi({
      description: "What fired it: the quote, the index level, the drawdown (level / peak − 1) or the weight drift",
    }),
    message: z.string().nullable().openapi({ description: "The fired alert in words" }),
    created_at: instant,
  })
  .openapi("Alert");
export const AlertList = listOf(Alert).openapi("AlertList");
export const IdPath = z.object({ id: z.string().min(1).max(64) });
export const PageQuery = z.strictObject({ limit: limitParam(100), cursor: cursorParam, fields: fieldsParam });

/** The events a webhook can subscribe to: exactly the event types the WEBHOOKS queue carries. */
export const WEBHOOK_EVENTS = EVENT_TYPES;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WebhookBody = z
  .strictObject({
    // The shape (an absolute http(s) URL) is a body rule, 400; where it may point (https in production, no private
    // or loopback address) is judged by the service against the deployment's policy, 422.
    url: z
      .string()
      .min(1)
      .max(2048)
      .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, "must be an absolute http or https URL")
      .refine((u) => URL.canParse(u), "is not a valid absolute URL")
      .openapi({ format: "uri", example: "https://example.com/hooks/edgeindex" }),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .refine((e) => new Set(e).size === e.length, "must not repeat an event")
      .openapi({ uniqueItems: true }),
  })
  .openapi("WebhookRequest");

export const Webhook = z
  .object({ id: z.string(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)), created_at: instant })
  .openapi("Webhook");
export const WebhookCreated = Webhook.extend({
  secret: z.string().openapi({ description: "Signing secret, shown only in this response" }),
}).openapi("WebhookCreated");
export const WebhookList = listOf(Webhook).openapi("WebhookList");

export const Delivery = z
  .object({
    id: z.string().openapi({ description: "Opaque delivery id (`dlv_…`)", example: "dlv_3q2KxJ0f9mZc1YwVtR8sAb" }),
    event_id: z.string(),
    event: z.string(),
    attempt: z.number().int(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    next_retry_at: instant.nullable(),
    delivered_at: instant.nullable(),
    created_at: instant,
  })
  .openapi("WebhookDelivery");
export const DeliveryList = listOf(Delivery).openapi("WebhookDeliveryList");
