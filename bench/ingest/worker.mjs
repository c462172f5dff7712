// The ingest bench's worker: upsertBars (src/db/prices.ts) called inside workerd against a Miniflare D1 binding,
// so no Node↔workerd proxy sits in the path. Bars are generated in the isolate by /prepare (outside the timed
// request); /write times nothing itself (workerd's clock stands still without I/O): the bench times requests.
import { upsertBars } from "../../src/db/prices.ts";
import { barsFor, checkPhase, d1Probe, revise, weekdays, writeInChunks } from "./bars.mjs";

const prepared = new Map();

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = (k) => url.searchParams.get(k);
    const db = env.DB;
    if (url.pathname === "/noop") return new Response("{}");
    if (url.pathname === "/sql") {
      // Migrations and setup: a JSON array of statements in one atomic batch.
      const statements = await request.json();
      const results = await db.batch(statements.map((s) => db.prepare(s)));
      return Response.json(results.map((r) => r.results));
    }
    if (url.pathname === "/prepare") {
      const ids = JSON.parse(q("ids"));
      const fresh = barsFor(ids, weekdays(Number(q("days"))), Number(q("seed")));
      prepared.set(q("run"), { fresh, revised: revise(fresh, Number(q("reviseSeed"))) });
      return Response.json({ bars: fresh.length, changed: prepared.get(q("run")).revised.changed });
    }
    if (url.pathname === "/write") {
      const run = prepared.get(q("run"));
      const phase = q("phase");
      const rows = phase === "revised" ? run.revised.rows : run.fresh;
      const stats = await writeInChunks(
        (part) => upsertBars(db, part, "bench", q("at")),
        rows,
        Number(q("perCallRows")),
      );
      checkPhase(phase, stats, rows.length, run.revised.changed);
      return Response.json(stats);
    }
    if (url.pathname === "/probe")
      return Response.json(
        await d1Probe(db, { statements: Number(q("statements")), batch: Number(q("batch")), rows: Number(q("rows")) }),
      );
    return new Response("not found", { status: 404 });
  },
};
