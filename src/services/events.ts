// Product events (refresh.completed, index.ready, ...) handed to the WEBHOOKS queue for signed delivery.
import { newId, nowIso } from "../db/ids";
import type { EventMessage, EventType } from "../schemas/messages";

export interface ProductEvent {
  type: EventType;
  data: Record<string, unknown>;
  /** The one user the event belongs to (order.filled, alert.triggered); absent for shared events. */
  owner_id?: string;
}

/**
 * Enqueues the event; returns its id. A failed send is logged and swallowed: the job that emitted it already
 * committed its data, and failing it now would only repeat that work.
 */
export async function emitEvent(env: Env, event: ProductEvent): Promise<string | null> {
  const message: EventMessage = {
    kind: "event",
    event_id: newId("evt"),
    type: event.type,
    data: event.data,
    created_at: nowIso(),
    ...(event.owner_id !== undefined && { owner_id: event.owner_id }),
  };
  try {
    await env.WEBHOOKS.send(message, { contentType: "json" });
    return message.event_id;
  } catch (err) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "event not enqueued",
        type: event.type,
        error: err instanceof Error ? err.message : String(err),
      }),
    );
    return null;
  }
}
