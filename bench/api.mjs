// Read-API latency and throughput against a bare Hono worker measured in the same run.
// `node bench/api.mjs` starts throwaway `wrangler dev` instances: edgeindex (fresh seeded state, as `npm run dev`,
// Server-Timing off as by default) and a bare `new Hono().get("/x", c => c.json(payload))` worker written to
// bench/.out/, whose payload is each route's own answer (the same bytes, so the same gzip work). Each route is loaded
// at 1 and 16 in flight, rounds alternate which side goes first; throughput is pooled over the rounds (each side's
// requests ÷ its loads' time), latencies and CPU are medians of rounds. Both are plain Workers
// with no asset router in front (edgeindex's files are in a second Worker behind its ASSETS binding, which
// `startDev` runs alongside), so the ratio is what edgeindex's own code costs. After the rounds, a second edgeindex
// with SERVER_TIMING=true answers one pass for the per-stage table. Knobs: ROUNDS, REQUESTS_1, REQUESTS_16, PORT
// (edgeindex; the bare worker is PORT + 1, the staged edgeindex PORT + 3).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fmt, killSpawned, load, processCpuMs, startDev, startWorker, summarize, workerdOf } from "./lib.mjs";

process.chdir(new URL("..", import.meta.url).pathname); // wrangler reads ./wrangler.toml and ./.dev.vars

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const REQUESTS = { 1: Number(process.env.REQUESTS_1 ?? 100), 16: Number(process.env.REQUESTS_16 ?? 400) };
const CONCURRENCIES = [1, 16];
const PORT = Number(process.env.PORT ?? 8811);
const COLD_SAMPLES = Number(process.env.COLD_SAMPLES ?? 20);

const BARE_WORKER = `import { Hono } from "hono";
// The bare side answers each route with edgeindex's own answer: the bench PUTs the bytes edgeindex sent for a route
// once, and every GET serializes them again (c.json, as a plain Hono app does), so both sides send identical bytes.
// Size alone is not enough: workerd gzips JSON for a client that accepts it, and real prices compress about half as
// well as a synthetic page, which doubled the compression work of one side only (bench/RESULTS.md).
const answers = new Map();
const app = new Hono();
app.put("/answer/:name", async (c) => {
  answers.set(c.req.param("name"), JSON.parse(await c.req.text()));
  return c.body(null, 204);
});
app.get("/x", (c) => {
  const body = answers.get(c.req.query("answer") ?? "");
  return body === undefined ? c.json({ status: "ok" }) : c.json(body);
});
export default app;
`;

let outDir;
let interrupted = false;
async function cleanup() {
  await killSpawned();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, async () => {
    interrupted = true; // the load loop's fetches fail once the servers are gone; that is not an error to report
    await cleanup();
    process.exit(130);
  });
}

async function getJson(url, init) {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url} answered ${res.status}: ${JSON.stringify(body)}`);
  return { body, res };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Logs in as the demo user (the first /v1 request seeds an empty database) and finds the demo index. */
async function signIn(base) {
  const { body: login } = await getJson(`${base}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }),
  });
  const auth = { authorization: `Bearer ${login.access_token}` };
  const { body: indexList } = await getJson(`${base}/v1/indexes?limit=100`, { headers: auth });
  const demo = indexList.data.find((i) => i.name === "Big Tech Capped");
  if (!demo) throw new Error(`no "Big Tech Capped" index among ${indexList.data.map((i) => i.name).join(", ")}`);
  return { auth, demo };
}

const PRICES_PATH = "/v1/assets/AAPL/prices?limit=250";

/** The loaded routes of one edgeindex instance (its token, its demo index, its price page's ETag). */
const routesOf = (auth, demo, etag) => [
  { name: "GET /health", path: "/health", headers: {}, expect: 200 },
  {
    name: "GET /v1/quotes?symbols=AAPL,MSFT,NVDA",
    path: "/v1/quotes?symbols=AAPL,MSFT,NVDA",
    headers: auth,
    expect: 200,
  },
  { name: "GET /v1/assets/AAPL/prices?limit=250 (warm)", path: PRICES_PATH, headers: auth, expect: 200 },
  { name: "GET /v1/assets?limit=50", path: "/v1/assets?limit=50", headers: auth, expect: 200 },
  {
    name: "GET /v1/indexes/{id}/values?limit=1000",
    path: `/v1/indexes/${demo.id}/values?limit=1000`,
    headers: auth,
    expect: 200,
  },
  {
    name: "GET …/prices?limit=250 + If-None-Match (304)",
    path: PRICES_PATH,
    headers: { ...auth, "if-none-match": etag },
    expect: 304,
    sizeOf: PRICES_PATH,
  },
];

async function etagOf(base, auth) {
  const res = await fetch(`${base}${PRICES_PATH}`, { headers: auth });
  await res.arrayBuffer();
  const etag = res.headers.get("etag");
  if (!etag) throw new Error(`${PRICES_PATH} sent no ETag`);
  return etag;
}

try {
  outDir = join(new URL(".out/", import.meta.url).pathname, `api-bare-hono-${process.pid}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "worker.mjs"), BARE_WORKER);
  writeFileSync(
    join(outDir, "wrangler.toml"),
    'name = "bench-bare-hono"\nmain = "worker.mjs"\ncompatibility_date = "2026-10-01"\n',
  );

  // One after the other: two builds at once can outlast the wait on a small machine.
  // The user limit is raised so the limiter runs its check on every request but never refuses the bench; the
  // access token lives a day so a slow run on a busy machine never outlives it. Server-Timing stays off (the
  // default) while throughput and CPU are measured: it is a diagnostic that costs 10–14 % of a cached read's
  // throughput (bench/RESULTS.md), so the per-stage table comes from a second instance started after the rounds.
  // Quotes change at production's cadence: the quotes cron runs once a minute, so the local synthetic clock (which
  // the quote reads keep awake) ticks once a minute too, not every second as for a developer watching the stream:
  // a 1 s tick in the measured process invalidated the quote cache 60× as often as production does and put each
  // tick's D1 writes beside every route's requests (quotes ×0.86, CPU +650 µs per request in one run, 3318596).
  const BENCH_VARS = {
    RATE_LIMIT_USER_PER_MINUTE: "1000000",
    ACCESS_TOKEN_TTL_SECONDS: "86400",
    SYNTHETIC_TICK_MS: "60000",
  };
  const app = await startDev({ port: PORT, seed: true, vars: BENCH_VARS });
  const health = await fetch(`${app.base}/health`).catch(() => null);
  if (!health?.ok) throw new Error(`edgeindex did not come up on ${app.base}`);
  const bare = await startWorker({ dir: outDir, port: PORT + 1, readyPath: "/x" });

  const seedStarted = performance.now();
  const { auth, demo } = await signIn(app.base);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  // Cold: the very first request for AAPL's bars (KV miss → D1 read → KV put), then more misses on distinct keys
  // (same symbol and limit, a different `end` each, so each is a fresh cache key with the same amount of work).
  const t0 = performance.now();
  const first = await fetch(`${app.base}${PRICES_PATH}`, { headers: auth });
  await first.arrayBuffer();
  const firstMs = performance.now() - t0;
  if (first.status !== 200) throw new Error(`${PRICES_PATH} answered ${first.status}`);
  const coldMs = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    const end = new Date(Date.now() - (30 + i) * 86_400_000).toISOString().slice(0, 10);
    const t = performance.now();
    const res = await fetch(`${app.base}${PRICES_PATH}&end=${end}`, { headers: auth });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`cold ${PRICES_PATH}&end=${end} answered ${res.status}`);
    coldMs.push(performance.now() - t);
  }
  const etag = await etagOf(app.base, auth);
  const routes = routesOf(auth, demo, etag);
  // Each route's 200 body; the bare worker answers that route with the same bytes (the 304 row: its 200's body).
  const bodies = new Map();
  for (const r of routes) {
    const res = await fetch(`${app.base}${r.path}`, { headers: r.headers });
    const text = await res.text();
    if (res.status !== r.expect) throw new Error(`${r.path} answered ${res.status}, expected ${r.expect}`);
    if (res.status === 200) bodies.set(r.path, text);
  }
  for (const [i, r] of routes.entries()) {
    const body = bodies.get(r.sizeOf ?? r.path);
    r.bytes = Buffer.byteLength(body);
    const put = await fetch(`${bare.base}/answer/r${i}`, { method: "PUT", body });
    if (put.status !== 204) throw new Error(`the bare worker refused route ${i}'s body: ${put.status}`);
    const check = await fetch(`${bare.base}/x?answer=r${i}`);
    if ((await check.text()) !== body)
      throw new Error(`the bare worker's answer to ${r.path} differs from edgeindex's`);
    r.bareUrl = `${bare.base}/x?answer=r${i}`;
  }

  // Warm both isolates on every route and size.
  for (const r of routes) {
    await load(`${app.base}${r.path}`, r.headers, 100, 16);
    await load(r.bareUrl, {}, 100, 16);
  }

  // Server CPU per request: user + system time of each side's workerd over each load (both sides run the same
  // workerd and HTTP stack, so the difference is the Worker's own work; unlike throughput it does not depend on how
  // much CPU the bench client and the neighbours leave the server on this small machine).
  const workerd = { app: workerdOf(app.pid), bare: workerdOf(bare.pid) };
  if (!workerd.app.length || !workerd.bare.length)
    console.error("no workerd process found: CPU per request not measured");

  const loadBefore = loadavg()[0];
  const runs = new Map(); // `${route}|${c}|${side}` → list of rounds
  const push = (k, v) => runs.set(k, [...(runs.get(k) ?? []), v]);
  const benchStarted = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of routes) {
      for (const c of CONCURRENCIES) {
        // Alternate which side goes first so drift (GC, neighbours, disk) does not favour one side.
        const order = (round + c) % 2 ? ["bare", "app"] : ["app", "bare"];
        for (const side of order) {
          const cpuBefore = processCpuMs(workerd[side]);
          const res =
            side === "app"
              ? await load(`${app.base}${r.path}`, r.headers, REQUESTS[c], c)
              : await load(r.bareUrl, {}, REQUESTS[c], c);
          res.cpuUs = ((processCpuMs(workerd[side]) - cpuBefore) * 1000) / REQUESTS[c];
          push(`${r.name}|${c}|${side}`, res);
        }
      }
    }
    console.error(`round ${round + 1}/${ROUNDS} done (${fmt((performance.now() - benchStarted) / 1000, 0)} s)`);
  }

  const loadAfter = loadavg()[0];

  // The per-stage pass: the same routes once more on a second, fresh instance with Server-Timing on, started
  // after the first one stopped (nothing else is loaded meanwhile, so its figures describe the same kind of run).
  await app.stop();
  const staged = await startDev({ port: PORT + 3, seed: true, vars: { ...BENCH_VARS, SERVER_TIMING: "true" } });
  const stagedSession = await signIn(staged.base);
  const stagedRoutes = routesOf(stagedSession.auth, stagedSession.demo, await etagOf(staged.base, stagedSession.auth));
  const stagesOf = new Map(); // `${route}|${c}` → that load's stage medians and client p50
  for (const r of stagedRoutes) {
    await load(`${staged.base}${r.path}`, r.headers, 100, 16); // warm
    for (const c of CONCURRENCIES) {
      const res = await load(`${staged.base}${r.path}`, r.headers, REQUESTS[c], c);
      stagesOf.set(`${r.name}|${c}`, { ...res.stages, p50: res.p50 });
    }
  }
  await staged.stop();

  // Throughput is pooled: each side's requests over all rounds ÷ the time its loads took (the harmonic mean of the
  // rounds' req/s), so every round counts, slow ones included, and the alternating order shares drift between the
  // sides. Latencies and CPU are medians of rounds.
  const agg = (list) => ({
    p50: median(list.map((x) => x.p50)),
    p99: median(list.map((x) => x.p99)),
    rps: list.length / list.reduce((t, x) => t + 1 / x.rps, 0),
    roundsRps: list.map((x) => x.rps),
    cpuUs: median(list.map((x) => x.cpuUs)),
    statuses: [...new Set(list.flatMap((x) => Object.keys(x.statuses)))].join("/"),
  });
  const table = [];
  for (const r of routes) {
    for (const c of CONCURRENCIES) {
      const a = agg(runs.get(`${r.name}|${c}|app`));
      const b = agg(runs.get(`${r.name}|${c}|bare`));
      const ratio = { p50: a.p50 / b.p50, p99: a.p99 / b.p99, rps: a.rps / b.rps };
      table.push({ route: r.name, bytes: r.bytes, c, a, b, ratio });
    }
  }
  const cold = summarize(coldMs);

  console.log(
    `\nedgeindex vs bare Hono, wrangler dev local; ${ROUNDS} alternating rounds of ${REQUESTS[1]} (1 in flight) / ${REQUESTS[16]} (16 in flight) requests per side; req/s pooled over the rounds (requests ÷ load time), latencies and CPU medians of rounds`,
  );
  console.log(
    `load average (1 min) before rounds ${fmt(loadBefore)}, after ${fmt(loadAfter)} on ${availableParallelism()} CPUs`,
  );
  console.log(`seed on first /v1 request (login): ${fmt(seedSeconds, 1)} s; demo index ${demo.id}`);
  const lines = [
    "| route | body | in flight | edgeindex p50 / p99 | req/s | bare Hono p50 / p99 | req/s | ratio p50 | ratio p99 | ratio req/s | status |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...table.map(
      ({ route, bytes, c, a, b, ratio }) =>
        `| ${route} | ${bytes < 1024 ? `${bytes} B` : `${fmt(bytes / 1024, 1)} KB`} | ${c} | ${fmt(a.p50)} / ${fmt(a.p99)} ms | ${fmt(a.rps, 0)} | ${fmt(b.p50)} / ${fmt(b.p99)} ms | ${fmt(b.rps, 0)} | ×${fmt(ratio.p50, 1)} | ×${fmt(ratio.p99, 1)} | ×${fmt(ratio.rps, 2)} | ${a.statuses} |`,
    ),
  ];
  console.log(lines.join("\n"));
  console.log(
    `\nprices?limit=250 cold: first request ${fmt(firstMs)} ms; ${cold.n} more KV misses (distinct \`end\`), 1 in flight: p50 ${fmt(cold.p50)} ms, p99 ${fmt(cold.p99)} ms, max ${fmt(cold.max)} ms`,
  );
  // Where the Worker's time goes (Server-Timing, the second instance's pass). workerd's clocks advance only across
  // I/O, so each stage is its waits (D1, KV, the limiter object), not its CPU; "total" is the whole Worker.
  const stageNames = ["auth", "limit", "user", "route", "total"];
  console.log(
    `\nper-stage medians inside the Worker (ms; Server-Timing, one pass on a second instance with SERVER_TIMING=true; waits only, CPU shows as 0):`,
  );
  console.log(`| route | in flight | ${stageNames.join(" | ")} | client p50 |`);
  console.log(`| --- | ---: | ${stageNames.map(() => "---:").join(" | ")} | ---: |`);
  for (const { route, c } of table) {
    const st = stagesOf.get(`${route}|${c}`);
    console.log(
      `| ${route} | ${c} | ${stageNames.map((n) => (st[n] === undefined ? "—" : fmt(st[n], 1))).join(" | ")} | ${fmt(st.p50, 1)} |`,
    );
  }

  console.log(
    "\nserver CPU per request (workerd user + system time over each load ÷ its requests, median of rounds; 10 ms ticks):",
  );
  console.log("| route | in flight | edgeindex µs | bare Hono µs | extra µs | ratio |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const { route, c, a, b } of table) {
    console.log(
      `| ${route} | ${c} | ${fmt(a.cpuUs, 0)} | ${fmt(b.cpuUs, 0)} | ${fmt(a.cpuUs - b.cpuUs, 0)} | ×${fmt(a.cpuUs / b.cpuUs, 2)} |`,
    );
  }

  // The goals (issue 14), each a ratio measured in this run.
  const at16 = (needle) => table.find((t) => t.route.includes(needle) && t.c === 16);
  // Every round's req/s at 16 in flight (edgeindex/bare, in round order), so any other estimator can be recomputed.
  console.log("\nreq/s per round at 16 in flight (edgeindex/bare):");
  for (const { route, a, b } of table.filter((t) => t.c === 16))
    console.log(`- ${route}: ${a.roundsRps.map((x, i) => `${fmt(x, 0)}/${fmt(b.roundsRps[i], 0)}`).join(" ")}`);
  console.log("\ngoals at 16 in flight (edgeindex ÷ bare Hono, this run):");
  const goal = (label, value, ok) => console.log(`- ${label}: ${value} ${ok ? "✓" : "✗"}`);
  const h = at16("/health");
  goal("/health throughput ≥ 0.9×", `×${fmt(h.ratio.rps)}`, h.ratio.rps >= 0.9);
  for (const needle of ["/v1/quotes", "prices?limit=250 (warm)", "/v1/assets?limit=50", "/values?limit=1000"]) {
    const t = at16(needle);
    const { rps, p99 } = t.ratio;
    goal(`${t.route}: throughput ≥ 0.8×, p99 ≤ 2×`, `×${fmt(rps)}, p99 ×${fmt(p99)}`, rps >= 0.8 && p99 <= 2);
  }
  const n304 = at16("(304)");
  const w200 = at16("prices?limit=250 (warm)");
  console.log(
    `- 304 vs its 200 at 16 in flight: p50 ${fmt(n304.a.p50)} vs ${fmt(w200.a.p50)} ms, req/s ${fmt(n304.a.rps, 0)} vs ${fmt(w200.a.rps, 0)} (the 304 is answered from the version key, no body built)`,
  );

  const warm1 = table.find((t) => t.route.includes("(warm)") && t.c === 1);
  console.log(
    `warm (KV hit) p50 at 1 in flight ${fmt(warm1.a.p50)} ms → a miss costs ×${fmt(cold.p50 / warm1.a.p50, 1)}`,
  );
  const bad = table.filter(({ a, route }) => a.statuses !== String(routes.find((r) => r.name === route).expect));
  if (bad.length) {
    console.error(`FAIL: unexpected statuses: ${bad.map((b) => `${b.route} @${b.c}: ${b.a.statuses}`).join("; ")}`);
    process.exitCode = 1;
  }
} catch (err) {
  if (!interrupted) throw err;
} finally {
  await cleanup();
}
