// Ingest throughput (bars/s) through the real write path, `upsertBars` (src/db/prices.ts): 100 assets × 2,520
// bars fresh, the same bars again (all unchanged), and again with 1% of values revised, in three harnesses on the
// same bars: inside workerd (a worker bundled with esbuild, run by Miniflare with a D1 binding: the headline,
// how the refresh job runs), from Node through wrangler's getPlatformProxy (the proxy adds its RPC), and the same
// statements in node:sqlite on the same migrations (no D1, no workerd). Beside them: the floor, raw SQLite
// (node:sqlite, one transaction, one prepared INSERT), each stage's share of a fresh write, and probes of D1-local's
// own per-statement and per-byte costs, and workerd's CPU per bar. BENCH_BASELINES=1 adds the old naive shapes (one INSERT per bar, 11-row VALUES).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { barsFor, checkPhase, d1Probe, PHASES, revise, weekdays, writeInChunks } from "./ingest/bars.mjs";
import { d1Shaped, migratedSqlite, rawInsert } from "./ingest/sqlite.mjs";
import { bundleModule, fmt, localPlatform, processCpuMs, serveBundled, workerdOf } from "./lib.mjs";

const ASSETS = Number(process.env.BENCH_ASSETS ?? 100);
const DAYS = Number(process.env.BENCH_DAYS ?? 2520);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Assets per upsertBars call: the pipeline writes one provider chunk at a time. */
const PER_CALL = Number(process.env.BENCH_PER_CALL ?? 10);
const PORT = Number(process.env.PORT ?? 0);
const GOAL = 150_000;
const ROOT = new URL("..", import.meta.url).pathname;
const BARS = ASSETS * DAYS;

const rate = (bars, ms) => (bars / ms) * 1000;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () =>
  loadavg()
    .map((l) => fmt(l, 1))
    .join(" / ");

/** Each write gets its own later recorded_at, as successive refresh runs do. */
let clock = Date.parse("2024-01-01T00:00:00Z");
const nextInstant = () => {
  clock += 60_000;
  return new Date(clock).toISOString();
};

function migrationStatements() {
  const dir = path.join(ROOT, "migrations");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(path.join(dir, f), "utf8").split("--> statement-breakpoint"))
    .filter((s) => s.trim());
}

const assetNames = (prefix) => JSON.stringify(Array.from({ length: ASSETS * RUNS }, (_, i) => `${prefix}${i}`));
const INSERT_ASSETS = (names) =>
  `INSERT INTO assets (symbol, name, exchange, asset_class) SELECT value, value, 'BENCH', 'equity' FROM json_each('${names}')`;

/**
 * Runs × phases of ms: each run's bars (fresh assets, so the table grows 0 → RUNS × 252k rows), made ready by
 * `prepare(run, ids)` untimed, then written by `write(run, phase, rows)` per phase; every phase's counts checked.
 */
async function phases(ids, write, prepare = async () => {}, cpu = () => 0) {
  const ms = { fresh: [], rerun: [], revised: [] };
  const cpuMs = { fresh: [], rerun: [], revised: [] };
  const dates = weekdays(DAYS);
  for (let run = 0; run < RUNS; run++) {
    const runIds = ids.slice(run * ASSETS, (run + 1) * ASSETS);
    const fresh = barsFor(runIds, dates, 1000 + run);
    const revised = revise(fresh, 77 + run);
    await prepare(run, runIds);
    for (const phase of PHASES) {
      const rows = phase === "revised" ? revised.rows : fresh;
      const t = performance.now();
      const c = cpu();
      const stats = await write(run, phase, rows);
      ms[phase].push(performance.now() - t);
      cpuMs[phase].push(cpu() - c);
      checkPhase(phase, stats, rows.length, revised.changed);
    }
  }
  ms.cpu = cpuMs;
  return ms;
}

/** The headline: upsertBars inside workerd against Miniflare's D1; the bench times each /write request. */
async function inWorkerd(tmp) {
  const { mf, base } = await serveBundled({
    entry: path.join(ROOT, "bench/ingest/worker.mjs"),
    dir: tmp,
    port: PORT,
    options: {
      compatibilityDate: "2026-10-01",
      d1Databases: { DB: "ingest-bench" },
      d1Persist: path.join(tmp, "workerd-d1"),
    },
  });
  try {
    const call = async (p, body) => {
      const res = await fetch(`${base}${p}`, body ? { method: "POST", body: JSON.stringify(body) } : undefined);
      const text = await res.text();
      if (!res.ok) throw new Error(`${p}: ${res.status} ${text}`);
      return JSON.parse(text);
    };
    await call("/sql", migrationStatements());
    await call("/sql", [INSERT_ASSETS(assetNames("W"))]);
    const [rows] = await call("/sql", ["SELECT id FROM assets ORDER BY id"]);
    const ids = rows.map((r) => r.id);
    const ms = await phases(
      ids,
      (run, phase) => call(`/write?run=${run}&phase=${phase}&at=${nextInstant()}&perCallRows=${PER_CALL * DAYS}`),
      // The isolate generates the same bars itself (same seeds), outside the timed requests.
      (run, runIds) =>
        call(
          `/prepare?run=${run}&days=${DAYS}&seed=${1000 + run}&reviseSeed=${77 + run}&ids=${JSON.stringify(runIds)}`,
        ),
      // CPU of the workerd process Miniflare started (the worker and the D1 object both run in it).
      () => processCpuMs(workerdOf(process.pid)),
    );
    return {
      ms,
      probes: await probes((o) => call(`/probe?statements=${o.statements}&batch=${o.batch}&rows=${o.rows}`)),
    };
  } finally {
    await mf.dispose();
  }
}

/**
 * D1's costs with no SQL work, for as many statements and batch() calls as one fresh run of upsertBars makes:
 * empty statements, then statements carrying its 2,000-row JSON parameter (the difference is moving the bytes).
 */
async function probes(run) {
  const perCall = PER_CALL * DAYS;
  const chunks = Math.ceil(perCall / ROWS_PER_STATEMENT);
  const batchesPerCall = Math.ceil(chunks / STATEMENTS_PER_BATCH);
  // Per batch: its chunks' inserts plus one supersede statement.
  const statements = (chunks + batchesPerCall) * Math.ceil(BARS / perCall);
  const batch = STATEMENTS_PER_BATCH + 1;
  const batches = batchesPerCall * Math.ceil(BARS / perCall);
  await run({ statements: batch, batch, rows: 0 }); // warm
  let t = performance.now();
  await run({ statements, batch, rows: 0 });
  const empty = performance.now() - t;
  t = performance.now();
  const { bytes } = await run({ statements, batch, rows: ROWS_PER_STATEMENT });
  const loaded = performance.now() - t;
  return { statements, batches, empty, loaded, bytes: bytes * statements };
}

let ROWS_PER_STATEMENT = 2000;
let STATEMENTS_PER_BATCH = 10;

/** The previous harness: upsertBars in Node, its D1 calls crossing wrangler's getPlatformProxy into workerd. */
async function throughProxy(tmp, upsertBars) {
  const proxy = await localPlatform(path.join(tmp, "proxy-state"));
  try {
    const db = proxy.env.DB;
    await db.prepare(INSERT_ASSETS(assetNames("P"))).run();
    const { results } = await db.prepare("SELECT id FROM assets ORDER BY id").all();
    const ms = await phases(
      results.map((r) => r.id),
      (_run, _phase, rows) => {
        const at = nextInstant();
        return writeInChunks((part) => upsertBars(db, part, "bench", at), rows, PER_CALL * DAYS);
      },
    );
    return { ms, probes: await probes((o) => d1Probe(db, o)) };
  } finally {
    await proxy.dispose();
  }
}

/** The same upsertBars statements in node:sqlite (batch() = one transaction); and upsertBars' JS alone. */
async function inSqlite(tmp, upsertBars) {
  const { db, ids } = await migratedSqlite(path.join(tmp, "shape.sqlite"), ASSETS * RUNS);
  const handle = d1Shaped(db);
  const write = (_run, _phase, rows) => {
    const at = nextInstant();
    return writeInChunks((part) => upsertBars(handle, part, "bench", at), rows, PER_CALL * DAYS);
  };
  const ms = await phases(ids, write);
  // upsertBars' own JS (dedupe, JSON encoding, statement objects) against a handle that runs nothing.
  const idle = {
    prepare: () => ({ bind: () => ({}) }),
    batch: async (list) => list.map(() => ({ meta: { changes: 0 } })),
  };
  const rows = barsFor(ids.slice(0, ASSETS), weekdays(DAYS), 1000);
  const js = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await writeInChunks((part) => upsertBars(idle, part, "bench", "x"), rows, PER_CALL * DAYS);
    js.push(performance.now() - t);
  }
  db.close();
  return { ms, js };
}

/** The floor: the same fresh bars into SQLite, one transaction and one prepared INSERT per run. */
async function floor(tmp) {
  const { db, ids } = await migratedSqlite(path.join(tmp, "floor.sqlite"), ASSETS * RUNS);
  const dates = weekdays(DAYS);
  const ms = [];
  const cpu = [];
  for (let run = 0; run < RUNS; run++) {
    const rows = barsFor(ids.slice(run * ASSETS, (run + 1) * ASSETS), dates, 1000 + run);
    const c = process.cpuUsage();
    ms.push(rawInsert(db, rows, nextInstant()));
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  db.close();
  ms.cpu = cpu;
  return ms;
}

async function main() {
  const tmp = mkdtempSync(path.join(tmpdir(), "edgeindex-ingest-"));
  const startLoad = load();
  try {
    const { upsertBars } = await bundleModule("src/db/prices.ts", tmp, "prices");
    const batching = await bundleModule("src/db/batching.ts", tmp, "batching");
    ROWS_PER_STATEMENT = batching.ROWS_PER_STATEMENT;
    STATEMENTS_PER_BATCH = batching.STATEMENTS_PER_BATCH;
    const t0 = performance.now();
    const step = (name) => process.stderr.write(`  [${name} done at ${fmt((performance.now() - t0) / 1000, 1)} s]\n`);
    const workerd = await inWorkerd(tmp);
    step("workerd");
    const proxied = await throughProxy(tmp, upsertBars);
    step("proxy");
    const sqlite = await inSqlite(tmp, upsertBars);
    step("node:sqlite");
    const raw = await floor(tmp);
    step("floor");
    if (process.env.BENCH_BASELINES === "1") await (await import("./ingest/baselines.mjs")).baselines(tmp);
    report({ workerd, proxied, sqlite, raw, startLoad });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function report({ workerd, proxied, sqlite, raw, startLoad }) {
  console.log(
    `ingest: ${ASSETS} assets × ${DAYS} bars = ${BARS.toLocaleString()} bars per run, ${RUNS} runs (the table grows to ${(BARS * RUNS).toLocaleString()} rows), ${PER_CALL} assets per upsertBars call`,
  );
  console.log(
    `  statement shape: ${ROWS_PER_STATEMENT} rows per insert (one JSON parameter via json_each), up to ${STATEMENTS_PER_BATCH} inserts and one supersede per batch()`,
  );
  const rates = (ms) => ms.map((m) => rate(BARS, m));
  const line = (label, ms) =>
    console.log(
      `  ${label.padEnd(40)} median ${fmt(median(rates(ms)), 0).padStart(9)} bars/s  (runs: ${rates(ms)
        .map((x) => fmt(x, 0))
        .join(", ")})`,
    );
  for (const [title, ms] of [
    ["upsertBars in workerd (Miniflare D1)", workerd.ms],
    ["upsertBars via getPlatformProxy", proxied.ms],
    ["upsertBars' SQL in node:sqlite", sqlite.ms],
  ]) {
    console.log(`  ${title}:`);
    line("  fresh (all inserted)", ms.fresh);
    line("  rerun (all unchanged)", ms.rerun);
    line("  1% revised", ms.revised);
  }
  line("floor: raw node:sqlite, 1 tx, 1 stmt", raw);

  // Where a fresh run's time goes (medians, ms per BARS bars). In workerd: upsertBars' JS (timed in Node: the
  // same V8), D1-local's own cost for as many statements, batch() calls and bytes (the probe), and the rest,
  // SQLite executing the statements. The proxy's share is what the same calls cost more from Node.
  const inWorker = median(workerd.ms.fresh);
  const js = median(sqlite.js);
  const d1 = workerd.probes.loaded;
  const sql = inWorker - js - d1;
  const proxyTotal = median(proxied.ms.fresh);
  const share = (x, of) => `${fmt(x, 0).padStart(5)} ms (${fmt((100 * x) / of, 0).padStart(2)} %)`;
  console.log(`  a fresh run of ${BARS.toLocaleString()} bars in workerd, ${fmt(inWorker, 0)} ms, by stage:`);
  console.log(`    upsertBars' JS (dedupe, JSON encoding)            ${share(js, inWorker)}`);
  console.log(
    `    D1-local's own cost (binding → Durable Object)    ${share(d1, inWorker)}  (${workerd.probes.statements} statements, ${workerd.probes.batches} batch() calls, ${fmt(workerd.probes.bytes / 1e6, 1)} MB of JSON: the probe below)`,
  );
  console.log(
    `    SQLite executing the statements (the rest)        ${share(sql, inWorker)}  (the same statements in node:sqlite ${fmt(median(sqlite.ms.fresh) - js, 0)} ms; the raw floor ${fmt(median(raw), 0)} ms)`,
  );
  console.log(
    `  the same through getPlatformProxy: ${fmt(proxyTotal, 0)} ms, of which the proxy (Node ↔ workerd RPC) ${share(proxyTotal - inWorker, proxyTotal)}`,
  );
  for (const [where, p] of [
    ["in workerd", workerd.probes],
    ["via proxy", proxied.probes],
  ]) {
    const moved = p.loaded - p.empty;
    console.log(
      `  D1 probe ${where}: ${p.statements} empty statements in ${p.batches} batch() calls ${fmt(p.empty, 0)} ms (${fmt((1000 * p.empty) / p.statements, 0)} µs each); the same with upsertBars' ${ROWS_PER_STATEMENT}-row JSON bound to each (${fmt(p.bytes / 1e6, 1)} MB) ${fmt(p.loaded, 0)} ms: ${fmt(p.bytes / 1e6 / (moved / 1000), 0)} MB/s`,
    );
  }
  const cpuRate = (xs) => rate(BARS, median(xs));
  console.log(
    `  CPU (less load-dependent than wall time, not free of it): workerd ${fmt(median(workerd.ms.cpu.fresh), 0)} ms per fresh run = ${fmt(cpuRate(workerd.ms.cpu.fresh), 0)} bars per CPU-second (rerun ${fmt(cpuRate(workerd.ms.cpu.rerun), 0)}, revised ${fmt(cpuRate(workerd.ms.cpu.revised), 0)}); the floor ${fmt(median(raw.cpu), 0)} ms = ${fmt(cpuRate(raw.cpu), 0)}: ×${fmt(cpuRate(workerd.ms.cpu.fresh) / cpuRate(raw.cpu), 2)}`,
  );
  const head = median(rates(workerd.ms.fresh));
  const fl = median(rates(raw));
  console.log(
    `  fresh ÷ raw SQLite floor: in workerd ×${fmt(head / fl, 2)}, via proxy ×${fmt(median(rates(proxied.ms.fresh)) / fl, 2)}, the same SQL in node:sqlite ×${fmt(median(rates(sqlite.ms.fresh)) / fl, 2)}`,
  );
  console.log(
    `  goal ≥ ${GOAL.toLocaleString()} bars/s fresh (in workerd): ${head >= GOAL ? "met" : "NOT met"} (${fmt(head, 0)}); load average ${startLoad} at start, ${load()} at end, ${availableParallelism()} CPUs`,
  );
}

await main();
