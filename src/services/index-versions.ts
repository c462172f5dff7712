// Index versions as readers see them: which version a read answers from, the version list and the diff of two.

import { listVersions, readVersion, type VersionRow } from "../db/index-versions";
import { type IndexRow, readLevels, readRebalances } from "../db/indexes";
import { ApiError } from "../errors";
import { loadOwnedIndex, readyVersionOf } from "./index-reads";

/** The caller's live index (404 for anyone else's). */
export const ownedIndex = (env: Env, ownerId: string, id: string): Promise<IndexRow> =>
  loadOwnedIndex(env.DB, ownerId, id);

/** The version a read answers from: the asked one if it was built, else the ready one (409 before any). */
export async function versionToRead(db: D1Database, row: IndexRow, asked?: number): Promise<number> {
  if (asked === undefined) return readyVersionOf(row);
  if (asked === row.readyVersion) return asked;
  const v = await readVersion(db, row.id, asked);
  if (!v) throw ApiError.notFound(`Version ${asked} of index ${row.id}`);
  if (v.status !== "ready") {
    throw new ApiError("conflict", `version ${asked} is ${v.status}${v.failure_reason ? `: ${v.failure_reason}` : ""}`);
  }
  return asked;
}

/** A version as readers see it: its record without the definition it was built from. */
export function publicVersion({ definition: _definition, ...record }: VersionRow) {
  return record;
}

export async function indexVersions(db: D1Database, row: IndexRow, before: number | undefined, limit: number) {
  return (await listVersions(db, row.id, before, limit)).map(publicVersion);
}

const WEIGHT_EPS = 1e-12;

/** What changed from one built version to another: constituents, weights per rebalance date, levels. */
export async function diffVersions(db: D1Database, row: IndexRow, from: number, to: number) {
  const [a, b] = [await versionToRead(db, row, from), await versionToRead(db, row, to)];
  const [va, vb] = [await readVersion(db, row.id, a), await readVersion(db, row.id, b)];
  const constituentsOf = (v: VersionRow | null) =>
    new Set(((v?.definition ?? row.definition) as { constituents: string[] }).constituents);
  const [ca, cb] = [constituentsOf(va), constituentsOf(vb)];
  const [ra, rb] = [
    await readRebalances(db, row.id, a, undefined, 100_000),
    await readRebalances(db, row.id, b, undefined, 100_000),
  ];
  const byDate = (list: typeof ra) => new Map(list.map((r) => [r.date, r.weights_after]));
  const [wa, wb] = [byDate(ra), byDate(rb)];
  // On a date only one version rebalances, the other's side is the weights its own last rebalance set (none before
  // its first): what it holds then by its rules, not 0.
  const inForce = (list: typeof ra, date: string) => {
    let found: Record<string, number> = {};
    for (const r of list) {
      if (r.date > date) break;
      found = r.weights_after;
    }
    return found;
  };
  const rebalances = [...new Set([...wa.keys(), ...wb.keys()])].sort().flatMap((date) => {
    const x = wa.get(date) ?? inForce(ra, date);
    const y = wb.get(date) ?? inForce(rb, date);
    const changes = [...new Set([...Object.keys(x), ...Object.keys(y)])]
      .sort()
      .map((symbol) => ({
        symbol,
        from: x[symbol] ?? 0,
        to: y[symbol] ?? 0,
        change: (y[symbol] ?? 0) - (x[symbol] ?? 0),
      }))
      .filter((c) => Math.abs(c.change) > WEIGHT_EPS);
    return changes.length ? [{ date, in_from: wa.has(date), in_to: wb.has(date), changes }] : [];
  });
  const [la, lb] = [await readLevels(db, row.id, a), await readLevels(db, row.id, b)];
  const levelOf = new Map(lb.map((l) => [l.date, l.value]));
  let maxAbs = 0;
  let maxDate: string | null = null;
  let common = 0;
  for (const l of la) {
    const other = levelOf.get(l.date);
    if (other === undefined) continue;
    common++;
    const d = Math.abs(other - l.value);
    if (d > maxAbs || maxDate === null) {
      maxAbs = d;
      maxDate = l.date;
    }
  }
  return {
    from: a,
    to: b,
    methodology_hash: { from: va?.methodology_hash ?? null, to: vb?.methodology_hash ?? null },
    data_as_of: { from: va?.data_as_of ?? null, to: vb?.data_as_of ?? null },
    constituents: {
      added: [...cb].filter((s) => !ca.has(s)).sort(),
      removed: [...ca].filter((s) => !cb.has(s)).sort(),
    },
    rebalances,
    levels: {
      common_days: common,
      max_abs_difference: maxAbs,
      max_abs_difference_date: maxDate,
      final_from: la.at(-1) ?? null,
      final_to: lb.at(-1) ?? null,
    },
  };
}
