// The audit trail of every mutation and auth event.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit } from "./columns";

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
