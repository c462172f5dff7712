// Queue message schemas: every message on JOBS is validated before a handler sees it.
import { z } from "zod";

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** What a daily refresh fetches; absent means all of it (the credit planner sends bars first, the rest after). */
export const RefreshPart = z.enum(["bars", "corporate_actions", "market_caps"]);
export type RefreshPart = z.infer<typeof RefreshPart>;

export const RefreshMessage = z.object({
  kind: z.literal("refresh"),
  job_id: z.string(),
  /** daily: bars (+caps, actions); quotes: latest quotes only; backfill: full history of new symbols. */
  mode: z.enum(["daily", "quotes", "backfill"]),
  symbols: z.array(z.string()).min(1).max(500).optional(),
  start: date.optional(),
  end: date.optional(),
  parts: z.array(RefreshPart).min(1).optional(),
});

export const BuildMessage = z.object({
  kind: z.literal("build"),
  job_id: z.string(),
  index_id: z.string(),
  version: z.number().int().positive(),
});

export const SimulationMessage = z.object({
  kind: z.literal("simulation"),
  job_id: z.string(),
  simulation_id: z.string(),
});

/** Nightly: find indexes whose inputs changed and enqueue their builds. */
export const RebuildChangedMessage = z.object({ kind: z.literal("rebuild_changed"), job_id: z.string() });

export const JobMessage = z.discriminatedUnion("kind", [
  RefreshMessage,
  BuildMessage,
  SimulationMessage,
  RebuildChangedMessage,
]);
export type JobMessage = z.infer<typeof JobMessage>;
export type RefreshMessage = z.infer<typeof RefreshMessage>;
export type BuildMessage = z.infer<typeof BuildMessage>;
export type SimulationMessage = z.infer<typeof SimulationMessage>;

/** Webhook-visible event types (API.md "Alerts and webhooks"). */
export const EVENT_TYPES = [
  "index.ready",
  "index.failed",
  "refresh.completed",
  "refresh.failed",
  "order.filled",
  "alert.triggered",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * One event on the WEBHOOKS queue (sent by `emitEvent` in src/services/events.ts, consumed by the webhook
 * deliverer): `event_id` (`evt_…`) is stable across redeliveries so receivers can deduplicate;
 * `created_at` is the RFC 3339 instant the event happened; `data` is the event's payload; `owner_id` names the
 * one user an event belongs to (order.filled, alert.triggered), absent for shared events (refresh.*, index.*).
 */
export const EventMessage = z.object({
  kind: z.literal("event"),
  event_id: z.string(),
  type: z.enum(EVENT_TYPES),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  owner_id: z.string().optional(),
});
export type EventMessage = z.infer<typeof EventMessage>;
