// The dead-letter consumer: jobs whose retries ran out end `dead`; a refresh says so as `refresh.failed`, a build
// marks its index version failed (`index.failed`), a simulation is failed with the last error.

import { EventMessage, JobMessage } from "../schemas/messages";
import { emitEvent } from "../services/events";
import { failBuild } from "../services/index-builds";
import { findJob, markDead } from "../services/jobs";
import { failSimulation } from "../services/simulations";

export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = env.DB;
  for (const msg of batch.messages) {
    try {
      const job = JobMessage.safeParse(msg.body);
      if (job.success) {
        const m = job.data;
        const row = await findJob(db, m.job_id);
        const error =
          `retries exhausted after ${row?.attempts ?? "?"} attempt(s); last error: ${row?.error ?? "unknown"}`.slice(
            0,
            1000,
          );
        const changed = await markDead(db, m.job_id, error);
        console.error(
          JSON.stringify({ level: "error", msg: "job dead-lettered", job_id: m.job_id, kind: m.kind, changed }),
        );
        if (changed && m.kind === "build") await failBuild(env, m.index_id, m.version, error);
        if (changed && m.kind === "simulation") await failSimulation(db, m.simulation_id, error);
        if (changed && m.kind === "refresh") {
          await emitEvent(env, {
            type: "refresh.failed",
            data: { job_id: m.job_id, mode: m.mode, status: "dead", error, stats: row?.stats ?? null },
          });
        }
      } else if (
        EventMessage.safeParse(msg.body).success ||
        (msg.body as { kind?: unknown } | null)?.kind === "delivery"
      ) {
        // Webhook traffic whose retries ran out; the deliverer already recorded each attempt.
        const e = msg.body as { kind: string; event_id?: string; type?: string };
        console.error(
          JSON.stringify({
            level: "error",
            msg: "webhook message dead-lettered",
            kind: e.kind,
            event_id: e.event_id,
            type: e.type,
          }),
        );
      } else {
        console.error(JSON.stringify({ level: "error", msg: "unrecognised dead letter", message_id: msg.id }));
      }
      msg.ack();
    } catch (err) {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "dead letter not processed",
          error: err instanceof Error ? err.message : String(err),
        }),
      );
      msg.retry();
    }
  }
}
