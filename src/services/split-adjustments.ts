// Paper holdings follow splits (API.md: "paper positions are adjusted on a split's date"): shares held from
// before a split's date are multiplied by its ratio with the same cost basis, and open limit orders placed
// before it are restated (qty × ratio, limit ÷ ratio). Each (owner, symbol, split) is applied exactly once.
import { applySplit, dueSplits } from "../db/trading";
import { sharesAddedBySplit } from "../domain/orders";

export interface SplitAdjustment {
  owner_id: string;
  symbol: string;
  split_date: string;
  ratio: number;
  held_before: number;
  shares_added: number;
}

/**
 * Applies every stored split dated on or before `today` that some paper account held shares through and that has
 * not been applied to it yet. Safe to run any number of times, concurrently too: each account's adjustment is
 * one atomic batch whose writes are guarded by the absence of its `position_splits` row, which the batch inserts.
 */
export async function applyDueSplits(db: D1Database, today: string): Promise<SplitAdjustment[]> {
  const applied: SplitAdjustment[] = [];
  for (const r of await dueSplits(db, today)) {
    const added = sharesAddedBySplit(r.held_before, r.ratio);
    if (await applySplit(db, r, added)) applied.push({ ...r, shares_added: added });
  }
  if (applied.length) {
    console.log(JSON.stringify({ level: "info", msg: "splits applied to paper holdings", count: applied.length }));
  }
  return applied;
}
