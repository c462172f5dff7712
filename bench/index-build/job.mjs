// The index-build bench's whole-job helpers: a D1 binding that times every call (what the proxied job waits
// on), and the same `buildJob` run inside workerd (a tiny worker bundled by esbuild under Miniflare, on the
// database the proxied run loaded), where D1 calls are workerd's own and not Node → workerd RPC.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fmt, serveBundled } from "../lib.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;

/**
 * `db` with every call timed (wall time in Node, so it includes the proxy's RPC to workerd): one entry per
 * query or batch() call in `calls`, keyed by the statement's first words. Statement objects are rebuilt on
 * this side (`prepare`/`bind` are not timed: getPlatformProxy runs them as blocking RPCs of their own).
 */
export function timedDb(db, calls) {
  const label = (sql) => sql.replace(/\s+/g, " ").trim().slice(0, 60);
  const timed = async (what, rows, run) => {
    const t0 = performance.now();
    const out = await run();
    calls.push({ what, rows, ms: performance.now() - t0 });
    return out;
  };
  const statement = (inner, sql) => ({
    inner,
    sql,
    bind: (...args) => statement(inner.bind(...args), sql),
    first: (...a) => timed(label(sql), 1, () => inner.first(...a)),
    all: () => timed(label(sql), 1, () => inner.all()),
    run: () => timed(label(sql), 1, () => inner.run()),
    raw: (...a) => timed(label(sql), 1, () => inner.raw(...a)),
  });
  return {
    prepare: (sql) => statement(db.prepare(sql), sql),
    batch: (list) =>
      timed(`batch: ${[...new Set(list.map((s) => label(s.sql).slice(0, 30)))].join(" | ")}`, list.length, () =>
        db.batch(list.map((s) => s.inner)),
      ),
    exec: (sql) => timed(label(sql), 1, () => db.exec(sql)),
    dump: () => db.dump(),
    withSession: () => {
      throw new Error("not used by the build");
    },
  };
}

/** One build's D1 calls grouped by statement: count, statements and total wall time, largest first. */
export function printCalls(calls) {
  const groups = new Map();
  for (const c of calls) {
    const g = groups.get(c.what) ?? { n: 0, rows: 0, ms: 0 };
    g.n++;
    g.rows += c.rows;
    g.ms += c.ms;
    groups.set(c.what, g);
  }
  const total = calls.reduce((a, c) => a + c.ms, 0);
  console.log(`    D1 calls of the last build: ${calls.length} round trips, ${fmt(total, 0)} ms waiting on D1 in all`);
  for (const [what, g] of [...groups].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`      ${fmt(g.ms, 0).padStart(6)} ms  ${String(g.n).padStart(3)}× (${g.rows} stmts)  ${what}`);
  }
}

const ENTRY = `
import { buildJob } from "${ROOT}src/services/index-builds.ts";
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/noop") return Response.json({});
    if (url.pathname === "/new") {
      const id = url.searchParams.get("id");
      await env.DB.prepare(
        "INSERT INTO indexes (id, owner_id, name, definition, status, version) VALUES (?1, 'usr_bench', 'bench', ?2, 'building', 1)",
      ).bind(id, await request.text()).run();
      return Response.json({ id });
    }
    if (url.pathname === "/build") return Response.json(await buildJob(env, { index_id: url.searchParams.get("id"), version: 1 }));
    if (url.pathname === "/checksum") {
      const row = await env.DB.prepare(
        "SELECT (SELECT COUNT(*) || ':' || SUM(value) FROM index_values WHERE index_id = ?1) AS v, (SELECT COUNT(*) || ':' || SUM((h.value ->> 1) * 1e6 + (h.value ->> 2)) FROM allocation_sets s, json_each(s.holdings) h WHERE s.index_id = ?1) AS a",
      ).bind(url.searchParams.get("id")).first();
      return Response.json(row);
    }
    return new Response("not found", { status: 404 });
  },
};`;

/**
 * Runs `buildJob` `runs` times inside workerd on the database persisted at `persist` (wrangler's layout, as
 * `getPlatformProxy` left it), each on a new index of `definition`. The job's time is the request's wall time
 * minus a no-op request's (workerd's clock only moves at I/O inside a request, so it is read from outside).
 */
export async function buildInWorkerd({ persist, tmp, port, definition, runs }) {
  writeFileSync(path.join(tmp, "build-entry.mjs"), ENTRY);
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { workerOptions: w } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
  const { mf, base } = await serveBundled({
    entry: path.join(tmp, "build-entry.mjs"),
    dir: tmp,
    name: "build-worker",
    port,
    build: {
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      external: ["node:*", "cloudflare:*"],
    },
    options: {
      compatibilityDate: w.compatibilityDate,
      compatibilityFlags: w.compatibilityFlags,
      bindings: {
        ...w.bindings,
        JWT_SECRET: "bench-secret-0123456789abcdef0123456789",
        ENVIRONMENT: "development",
        LOG_LEVEL: "silent",
      },
      d1Databases: w.d1Databases,
      kvNamespaces: w.kvNamespaces,
      queueProducers: w.queueProducers,
      resourcePersistencePath: path.join(persist, "v3"),
    },
  });
  try {
    const call = async (p, init) => {
      const t0 = performance.now();
      const res = await fetch(`${base}${p}`, init);
      const body = await res.text();
      if (!res.ok) throw new Error(`${p}: ${res.status} ${body}`);
      return { ms: performance.now() - t0, body: JSON.parse(body) };
    };
    const noop = [];
    for (let i = 0; i < 5; i++) noop.push((await call("/noop")).ms);
    const times = [];
    const stats = [];
    let lastId;
    for (let r = 0; r <= runs; r++) {
      lastId = `idx_benchwd${Date.now().toString(36)}${r}`;
      await call(`/new?id=${lastId}`, { method: "POST", body: JSON.stringify(definition) });
      const { ms, body } = await call(`/build?id=${lastId}`);
      if (body.outcome !== "ready") throw new Error(`build ${body.outcome}: ${body.reason}`);
      if (r === 0) continue; // the first build compiles the code
      times.push(ms);
      stats.push(body);
    }
    const checksum = (await call(`/checksum?id=${lastId}`)).body;
    noop.sort((a, b) => a - b);
    return { times, stats, noopMs: noop[noop.length >> 1], checksum, lastId };
  } finally {
    await mf.dispose();
  }
}
