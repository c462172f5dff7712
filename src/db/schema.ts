// The whole D1 data model. Timestamps are RFC 3339 UTC text; money in the ledger is integer minor units.
// No ON DELETE CASCADE anywhere: D1 cannot disable foreign keys during a table rebuild (see docs/STORAGE.md).
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/** created_at/updated_at on every table. */
const audit = {
  createdAt: text("created_at").notNull().default(now),
  updatedAt: text("updated_at").notNull().default(now),
};
/** Soft delete for user-facing entities. */
const softDelete = { deletedAt: text("deleted_at") };

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name"),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["admin", "user"] })
    .notNull()
    .default("user"),
  ...audit,
  ...softDelete,
});

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    familyId: text("family_id").notNull(),
    parentId: text("parent_id"),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: text("expires_at").notNull(),
    spentAt: text("spent_at"),
    revokedAt: text("revoked_at"),
    ...audit,
  },
  (t) => [index("refresh_tokens_family_idx").on(t.familyId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    expiresAt: text("expires_at"),
    revokedAt: text("revoked_at"),
    signingSecretEnc: text("signing_secret_enc"),
    lastUsedAt: text("last_used_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("api_keys_user_idx").on(t.userId)],
);

export const assets = sqliteTable(
  "assets",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    symbol: text("symbol").notNull().unique(),
    name: text("name").notNull(),
    exchange: text("exchange").notNull(),
    assetClass: text("asset_class").notNull(),
    currency: text("currency").notNull().default("USD"),
    sector: text("sector"),
    listedAt: text("listed_at"),
    delistedAt: text("delisted_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("assets_class_idx").on(t.assetClass), index("assets_exchange_idx").on(t.exchange)],
);

/**
 * Daily bars with revisions: a changed value for a stored day inserts a new row and stamps the old one
 * `superseded_at`. The current bar is the row with superseded_at IS NULL; `as_of` reads pick the row whose
 * [recorded_at, superseded_at) interval contains the instant. Rows are never deleted.
 */
export const prices = sqliteTable(
  "prices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    date: text("date").notNull(),
    open: real("open").notNull(),
    high: real("high").notNull(),
    low: real("low").notNull(),
    close: real("close").notNull(),
    volume: real("volume").notNull(),
    source: text("source").notNull(),
    recordedAt: text("recorded_at").notNull(),
    supersededAt: text("superseded_at"),
    ...audit,
  },
  (t) => [
    uniqueIndex("prices_asset_date_recorded_uq").on(t.assetId, t.date, t.recordedAt),
    index("prices_asset_date_idx").on(t.assetId, t.date),
  ],
);

export const marketCaps = sqliteTable(
  "market_caps",
  {
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    date: text("date").notNull(),
    marketCap: real("market_cap").notNull(),
    /** Shares outstanding behind the cap when the source reports them (cap = shares × raw close). */
    sharesOutstanding: real("shares_outstanding"),
    source: text("source").notNull(),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.assetId, t.date] })],
);

export const corporateActions = sqliteTable(
  "corporate_actions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    kind: text("kind", { enum: ["split", "dividend"] }).notNull(),
    date: text("date").notNull(),
    ratio: real("ratio"),
    amount: real("amount"),
    source: text("source").notNull(),
    ...audit,
  },
  (t) => [uniqueIndex("corporate_actions_uq").on(t.assetId, t.kind, t.date)],
);

/** Cumulative adjustment factor for bars with from_date <= date < to_date (CRSP-style), rebuilt per asset. */
export const adjustmentFactors = sqliteTable(
  "adjustment_factors",
  {
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    fromDate: text("from_date").notNull(),
    toDate: text("to_date").notNull(),
    factor: real("factor").notNull(),
    /** Split-only cumulative factor: `adjustment=split` prices and split-adjusted volume. */
    splitFactor: real("split_factor").notNull().default(1),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.assetId, t.fromDate] })],
);

/** Latest quote per asset, the source for /v1/quotes and paper-trading fills. */
export const quotes = sqliteTable("quotes", {
  assetId: integer("asset_id")
    .primaryKey()
    .references(() => assets.id),
  price: real("price").notNull(),
  previousClose: real("previous_close").notNull(),
  ts: text("ts").notNull(),
  source: text("source").notNull(),
  ...audit,
});

export const indexes = sqliteTable(
  "indexes",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    definition: text("definition", { mode: "json" }).notNull(),
    status: text("status", { enum: ["building", "ready", "failed"] }).notNull(),
    /** The version being built (may be ahead of readyVersion while a build runs). */
    version: integer("version").notNull().default(1),
    /** The version readers see; null until the first build succeeds. */
    readyVersion: integer("ready_version"),
    failureReason: text("failure_reason"),
    benchmarkUsed: text("benchmark_used"),
    builtAt: text("built_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("indexes_owner_idx").on(t.ownerId)],
);

/**
 * One row per build of an index: why it was built, the definition it was built from, a hash of that
 * definition with the engine's methodology version, and the instant its inputs were read as of, so the
 * same definition read at `data_as_of` reproduces the version exactly.
 */
export const indexVersions = sqliteTable(
  "index_versions",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    reason: text("reason", {
      enum: ["created", "changed", "rebuild", "corporate_action", "data_revised"],
    }).notNull(),
    status: text("status", { enum: ["building", "ready", "failed", "superseded"] }).notNull(),
    definition: text("definition", { mode: "json" }).notNull(),
    methodologyHash: text("methodology_hash"),
    dataAsOf: text("data_as_of"),
    /** Build notes: market-cap source per constituent, benchmark used, exclusions. */
    metadata: text("metadata", { mode: "json" }),
    failureReason: text("failure_reason"),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version] })],
);

export const indexValues = sqliteTable(
  "index_values",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    date: text("date").notNull(),
    value: real("value").notNull(),
    dailyReturn: real("daily_return"),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version, t.date] })],
);

export const allocations = sqliteTable(
  "allocations",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    rebalanceDate: text("rebalance_date").notNull(),
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    weight: real("weight").notNull(),
    shares: real("shares"),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version, t.rebalanceDate, t.assetId] })],
);

export const rebalances = sqliteTable(
  "rebalances",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    date: text("date").notNull(),
    weightsBefore: text("weights_before", { mode: "json" }).notNull(),
    weightsAfter: text("weights_after", { mode: "json" }).notNull(),
    turnover: real("turnover").notNull(),
    /** JSON arrays of symbols that entered / left at this rebalance. */
    joined: text("joined", { mode: "json" }).notNull().default("[]"),
    left: text("left", { mode: "json" }).notNull().default("[]"),
    /** Too few names were eligible for the caps, so they were widened to 1/n. */
    capsRelaxed: integer("caps_relaxed", { mode: "boolean" }).notNull().default(false),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version, t.date] })],
);

export const simulations = sqliteTable(
  "simulations",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    request: text("request", { mode: "json" }).notNull(),
    status: text("status", { enum: ["queued", "running", "succeeded", "failed"] }).notNull(),
    result: text("result", { mode: "json" }),
    error: text("error"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("simulations_owner_idx").on(t.ownerId)],
);

export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    qty: real("qty").notNull(),
    type: text("type", { enum: ["market", "limit"] }).notNull(),
    limitPrice: real("limit_price"),
    timeInForce: text("time_in_force", { enum: ["day", "gtc"] })
      .notNull()
      .default("day"),
    status: text("status", { enum: ["open", "filled", "canceled", "expired", "rejected"] }).notNull(),
    filledQty: real("filled_qty").notNull().default(0),
    avgFillPrice: real("avg_fill_price"),
    filledAt: text("filled_at"),
    canceledAt: text("canceled_at"),
    /** When an open `day` order lapses (its session's close); null for gtc. */
    expiresAt: text("expires_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [
    index("orders_owner_status_idx").on(t.ownerId, t.status),
    index("orders_symbol_status_idx").on(t.symbol, t.status),
  ],
);

export const fills = sqliteTable(
  "fills",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    qty: real("qty").notNull(),
    price: real("price").notNull(),
    feeMinor: integer("fee_minor").notNull().default(0),
    ...audit,
  },
  (t) => [index("fills_owner_idx").on(t.ownerId)],
);

/** Append-only cash ledger in integer minor units; the balance is the sum. */
export const ledger = sqliteTable(
  "ledger",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    amountMinor: integer("amount_minor").notNull(),
    kind: text("kind", { enum: ["deposit", "buy", "sell", "fee", "dividend"] }).notNull(),
    ref: text("ref"),
    ...audit,
  },
  (t) => [index("ledger_owner_idx").on(t.ownerId)],
);

export const positions = sqliteTable(
  "positions",
  {
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    qty: real("qty").notNull(),
    /** Total cost of the open quantity in minor units (avg_cost = cost / qty). */
    costMinor: integer("cost_minor").notNull(),
    realizedPnlMinor: integer("realized_pnl_minor").notNull().default(0),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.symbol] })],
);

/**
 * One row per (owner, symbol, split date) whose paper holdings were adjusted: the proof a split is applied once
 * (redelivered refreshes change nothing) and the record of what it did.
 */
export const positionSplits = sqliteTable(
  "position_splits",
  {
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    splitDate: text("split_date").notNull(),
    ratio: real("ratio").notNull(),
    /** Shares held from before the split date (net of fills before it). */
    heldBefore: real("held_before").notNull(),
    sharesAdded: real("shares_added").notNull(),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.symbol, t.splitDate] })],
);

export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    condition: text("condition", { enum: ["above", "below"] }).notNull(),
    price: real("price").notNull(),
    status: text("status", { enum: ["active", "triggered"] })
      .notNull()
      .default("active"),
    triggeredAt: text("triggered_at"),
    triggeredPrice: real("triggered_price"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("alerts_symbol_status_idx").on(t.symbol, t.status), index("alerts_owner_idx").on(t.ownerId)],
);

export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    url: text("url").notNull(),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    secret: text("secret").notNull(),
    ...audit,
    ...softDelete,
  },
  (t) => [index("webhooks_owner_idx").on(t.ownerId)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id),
    eventId: text("event_id").notNull(),
    event: text("event").notNull(),
    attempt: integer("attempt").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    nextRetryAt: text("next_retry_at"),
    deliveredAt: text("delivered_at"),
    ...audit,
  },
  (t) => [index("webhook_deliveries_webhook_idx").on(t.webhookId)],
);

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["refresh", "build", "simulation", "backfill"] }).notNull(),
    status: text("status", { enum: ["queued", "running", "succeeded", "failed", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    payload: text("payload", { mode: "json" }).notNull(),
    error: text("error"),
    stats: text("stats", { mode: "json" }),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    ...audit,
  },
  (t) => [
    index("jobs_status_kind_idx").on(t.status, t.kind),
    // GET /v1/admin/jobs pages newest first by (created_at, id).
    index("jobs_created_idx").on(t.createdAt, t.id),
  ],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    ownerId: text("owner_id").notNull(),
    route: text("route").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    statusCode: integer("status_code"),
    responseBody: text("response_body"),
    expiresAt: text("expires_at").notNull(),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.route, t.key] })],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    requestId: text("request_id"),
    outcome: text("outcome", { enum: ["success", "failure"] }).notNull(),
    detail: text("detail", { mode: "json" }),
    ip: text("ip"),
    ...audit,
  },
  (t) => [index("audit_actor_idx").on(t.actor, t.id), index("audit_action_idx").on(t.action, t.id)],
);
