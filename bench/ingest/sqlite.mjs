// The ingest bench's node:sqlite side: a file-backed SQLite with the repo's migrations applied (the same tables,
// indexes and triggers as D1), the raw floor (one transaction, one prepared INSERT bound per bar), and a
// D1-shaped handle over it so upsertBars' own statements run there with no D1 or workerd in the path.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Opens `file` (WAL, as D1's local SQLite) with every migration applied and `assets` symbols inserted; returns ids. */
export async function migratedSqlite(file, assets) {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file);
  // WAL and no fsync: what is compared is SQLite's work, not this disk's sync latency (the most favourable floor).
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = OFF");
  const dir = path.join(ROOT, "migrations");
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const stmt of readFileSync(path.join(dir, f), "utf8").split("--> statement-breakpoint"))
      if (stmt.trim()) db.exec(stmt);
  }
  const names = Array.from({ length: assets }, (_, i) => `F${i}`);
  db.prepare(
    "INSERT INTO assets (symbol, name, exchange, asset_class) SELECT value, value, 'BENCH', 'equity' FROM json_each(?)",
  ).run(JSON.stringify(names));
  const ids = db
    .prepare("SELECT id FROM assets ORDER BY id")
    .all()
    .map((r) => r.id);
  return { db, ids };
}

/** The floor: `rows` into prices in one transaction through one prepared INSERT; returns ms. */
export function rawInsert(db, rows, recordedAt) {
  const insert = db.prepare(`INSERT INTO prices (asset_id, date, open, high, low, close, volume, source, recorded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', ?)`);
  const t = performance.now();
  db.exec("BEGIN");
  for (const r of rows) insert.run(r.assetId, r.date, r.open, r.high, r.low, r.close, r.volume, recordedAt);
  db.exec("COMMIT");
  return performance.now() - t;
}

/**
 * The part of D1Database that upsertBars uses, over node:sqlite: prepare/bind/run, and batch() as one
 * transaction (what D1 makes of it). Not a stand-in in any test: it only lets the bench time the statements alone.
 */
export function d1Shaped(db) {
  const cache = new Map();
  const prepared = (sql) => {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      cache.set(sql, st);
    }
    return st;
  };
  const statement = (sql, params = []) => ({
    bind: (...p) => statement(sql, p),
    run: () => ({ meta: { changes: Number(prepared(sql).run(...params).changes) } }),
  });
  return {
    prepare: (sql) => statement(sql),
    async batch(list) {
      db.exec("BEGIN");
      try {
        const out = list.map((s) => s.run());
        db.exec("COMMIT");
        return out;
      } catch (e) {
        db.exec("ROLLBACK");
        throw e;
      }
    },
  };
}
