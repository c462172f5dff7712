// Idempotency-Key claims and the first answer they replay.
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit } from "./columns";

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    ownerId: text("owner_id").notNull(),
    route: text("route").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    statusCode: integer("status_code"),
    responseBody: text("response_body"),
    /** The first answer's `Location` (a created resource), replayed with it. */
    responseLocation: text("response_location"),
    expiresAt: text("expires_at").notNull(),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.route, t.key] })],
);
