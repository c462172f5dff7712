// Backtest rows: the request with its frozen definition, status, and the result (or a pointer to it in KV).
import { and, eq, inArray, isNull } from "drizzle-orm";
import { orm } from "./client";
import { nowIso } from "./ids";
import { simulations } from "./schema";

export type SimulationRow = typeof simulations.$inferSelect;

export function insertSimulation(
  db: D1Database,
  row: { id: string; ownerId: string; request: unknown },
): Promise<SimulationRow> {
  return orm(db)
    .insert(simulations)
    .values({ ...row, status: "queued" })
    .returning()
    .get();
}

export function findSimulation(db: D1Database, id: string): Promise<SimulationRow | undefined> {
  return orm(db).select().from(simulations).where(eq(simulations.id, id)).get();
}

export function findOwnedSimulation(db: D1Database, ownerId: string, id: string): Promise<SimulationRow | undefined> {
  return orm(db)
    .select()
    .from(simulations)
    .where(and(eq(simulations.id, id), eq(simulations.ownerId, ownerId), isNull(simulations.deletedAt)))
    .get();
}

export async function markSimulationRunning(db: D1Database, id: string): Promise<void> {
  await orm(db).update(simulations).set({ status: "running", updatedAt: nowIso() }).where(eq(simulations.id, id));
}

export async function storeSimulationResult(db: D1Database, id: string, result: unknown): Promise<void> {
  await orm(db)
    .update(simulations)
    .set({ status: "succeeded", result, error: null, updatedAt: nowIso() })
    .where(eq(simulations.id, id));
}

/** Fails a simulation that has not finished; a finished one stays as it is. */
export async function failUnfinishedSimulation(db: D1Database, id: string, detail: string): Promise<void> {
  await orm(db)
    .update(simulations)
    .set({ status: "failed", error: detail.slice(0, 1000), updatedAt: nowIso() })
    .where(and(eq(simulations.id, id), inArray(simulations.status, ["queued", "running"])));
}
