// The ingest bench's synthetic bars, shared by the Node side and the worker it bundles: seeded random walks on
// weekdays from 2014-01-02, in cents like a vendor's, so every harness writes the very same rows.

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function weekdays(count) {
  const out = [];
  const d = new Date("2014-01-02T00:00:00Z");
  while (out.length < count) {
    const w = d.getUTCDay();
    if (w !== 0 && w !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** Seeded random-walk bars for each asset id. */
export function barsFor(assetIds, dates, seed) {
  const rand = mulberry32(seed);
  const rows = [];
  for (const assetId of assetIds) {
    let close = 50 + rand() * 200;
    for (const date of dates) {
      close = Math.max(1, close * Math.exp((rand() - 0.5) * 0.04));
      const c = Math.round(close * 100) / 100;
      rows.push({
        assetId,
        date,
        open: c,
        high: Math.round(c * 101) / 100,
        low: Math.round(c * 99) / 100,
        close: c,
        volume: Math.round(rand() * 1e7),
      });
    }
  }
  return rows;
}

/** The same bars with ~1% of closes moved by a cent (seeded); returns the rows and how many changed. */
export function revise(rows, seed) {
  const rand = mulberry32(seed);
  let changed = 0;
  const edited = rows.map((r) => {
    if (rand() >= 0.01) return r;
    changed++;
    const close = Math.round((r.close + 0.01) * 100) / 100;
    return { ...r, close, high: Math.max(r.high, close) };
  });
  return { rows: edited, changed };
}

/** The three writes of one run, as successive refresh runs make them, with the counts each must report. */
export const PHASES = ["fresh", "rerun", "revised"];

/** Calls `upsert` once per `perCall`-sized chunk (one provider chunk, as the refresh pipeline writes) and sums. */
export async function writeInChunks(upsert, rows, perCallRows) {
  const stats = { rows_inserted: 0, rows_revised: 0, rows_unchanged: 0 };
  for (let i = 0; i < rows.length; i += perCallRows) {
    const s = await upsert(rows.slice(i, i + perCallRows));
    for (const k of Object.keys(stats)) stats[k] += s[k];
  }
  return stats;
}

/** Throws unless a phase's counts are exactly what it wrote. */
export function checkPhase(phase, stats, total, changed) {
  const ok =
    phase === "fresh"
      ? stats.rows_inserted === total
      : phase === "rerun"
        ? stats.rows_unchanged === total
        : stats.rows_revised === changed && stats.rows_unchanged === total - changed;
  if (!ok) throw new Error(`${phase}: ${JSON.stringify(stats)} for ${total} bars (${changed} changed)`);
}

/**
 * D1's own costs apart from SQL work: `statements` statements in batch() calls of `batch`, each either empty
 * (`SELECT 1`, rows 0) or carrying one `rows`-row bars JSON parameter (upsertBars' encoding) that SQLite only
 * measures. Returns the parameter's size in bytes.
 */
export async function d1Probe(db, { statements, batch, rows }) {
  const json = rows
    ? JSON.stringify(
        barsFor([1], weekdays(rows), 5).map((r) => [r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume]),
      )
    : "";
  const make = () => (rows ? db.prepare("SELECT length(?1) AS n").bind(json) : db.prepare("SELECT 1 AS n"));
  for (let i = 0; i < statements; i += batch) {
    await db.batch(Array.from({ length: Math.min(batch, statements - i) }, make));
  }
  return { bytes: json.length };
}
