// The whole D1 data model, one module per aggregate. Timestamps are RFC 3339 UTC text; money in the ledger is
// integer minor units. No ON DELETE CASCADE anywhere: D1 cannot disable foreign keys during a table rebuild
// (see docs/STORAGE.md). drizzle-kit reads this file (drizzle.config.ts) to generate migrations.

export * from "./alerts";
export * from "./assets";
export * from "./audit";
export * from "./idempotency";
export * from "./identity";
export * from "./indexes";
export * from "./jobs";
export * from "./market-events";
export * from "./prices";
export * from "./trading";
export * from "./webhooks";
