// Fan-out bench: N WebSocket clients on one symbol; tick-to-receive latency (p50/p99), delivered messages/s, and
// whether every client got every tick. The local synthetic ticker publishes (SYNTHETIC_TICK_MS).
// Usage: node bench/fanout.mjs [clients,...]   (default 1,1000,5000; BASE_URL reuses a running dev server)
// FANOUT_MODE=miniflare (default): the Worker in bare Miniflare, clients on workerd's own socket (~1 fd each in
//   workerd; what makes 5,000 fit under a 20k open-file cap).
// FANOUT_MODE=wrangler: behind `wrangler dev`, as `npm run dev` serves it (its proxy costs ~5 fds per socket).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import {
  countFds,
  descendants,
  fmt,
  killSpawned,
  processCpuMs,
  startBareBroadcast,
  startDev,
  startMiniflare,
  summarize,
} from "./lib.mjs";

const SIZES = (process.argv[2] ?? process.env.FANOUT_CLIENTS ?? "1,1000,5000").split(",").map(Number);
const MEASURE_MS = Number(process.env.FANOUT_MEASURE_MS ?? 10_000);
const SYMBOL = "AAPL";
const PORT = Number(process.env.FANOUT_PORT ?? 8831);
const MODE = process.env.BASE_URL ? "external" : (process.env.FANOUT_MODE ?? "miniflare");
if (!["miniflare", "wrangler", "external"].includes(MODE)) throw new Error(`FANOUT_MODE must be miniflare or wrangler`);
const MODE_LABEL = {
  miniflare: "bare Miniflare (clients on workerd's socket, no wrangler proxy)",
  wrangler: "local `wrangler dev`",
  external: `the server at ${process.env.BASE_URL}`,
}[MODE];
// The seeded local admin: registration never makes an admin (only `npm run admin -- grant`, which the seed uses).
const ADMIN = { email: "admin@edgeindex.dev", password: "edgeindex-demo-pass" };

// Node 22 has a global WebSocket; on older Node the project's own Node 22 (devDependency) runs this script instead.
if (typeof WebSocket === "undefined") {
  const { spawnSync } = await import("node:child_process");
  const node22 = new URL("../node_modules/.bin/node", import.meta.url).pathname;
  const r = spawnSync(node22, process.argv.slice(1), { stdio: "inherit", env: process.env });
  process.exit(r.status ?? 1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(base, path, { token, json, method = json ? "POST" : "GET" } = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method, headers, body: json ? JSON.stringify(json) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The seeded admin and the one symbol the ticker will move. */
async function prepare(base) {
  const auth = await api(base, "/v1/auth/login", { json: ADMIN });
  if (!auth.body?.access_token) throw new Error(`cannot sign in: ${auth.status} ${JSON.stringify(auth.body)}`);
  const token = auth.body.access_token;
  const asset = await api(base, "/v1/assets", {
    token,
    json: { symbol: SYMBOL, name: "Apple Inc.", exchange: "NASDAQ", asset_class: "equity", sector: "Technology" },
  });
  if (asset.status !== 201 && asset.status !== 409) throw new Error(`cannot create ${SYMBOL}: ${asset.status}`);
  return token;
}

/** Opens one client; resolves once it is authenticated and subscribed. Every quote frame is recorded. */
function openClient(base, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/stream`);
    const client = { ws, frames: [] };
    const timer = setTimeout(() => reject(new Error("client did not get ready in 120 s")), 120_000);
    ws.onopen = () => ws.send(JSON.stringify({ action: "auth", token }));
    ws.onerror = () => reject(new Error("socket error"));
    ws.onmessage = (event) => {
      const at = Date.now();
      const msg = JSON.parse(event.data);
      if (msg.type === "quote") client.frames.push({ seq: msg.seq, ts: Date.parse(msg.ts), at });
      else if (msg.type === "status") ws.send(JSON.stringify({ action: "subscribe", symbols: [SYMBOL] }));
      else if (msg.type === "subscribed") {
        clearTimeout(timer);
        resolve(client);
      } else if (msg.type === "error") reject(new Error(`${msg.code}: ${msg.message}`));
    };
  });
}

/** One measured window of `n` clients against `target` ({ base, token, pids(), idle }). */
async function run(target, n) {
  const { base, token } = target;
  const serverPids = target.pids;
  const idleFds = target.idle;
  const clients = [];
  const openStart = Date.now();
  for (let i = 0; i < n; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, n - i) }, () => openClient(base, token)));
    clients.push(...batch);
    if (n >= 1000 && clients.length % 1000 === 0)
      console.log(`  ${clients.length} connected (${((Date.now() - openStart) / 1000).toFixed(1)} s)`);
  }
  const connectMs = Date.now() - openStart;
  const serverFds = countFds(serverPids());
  const perProcess = serverPids()
    .map((pid) => [pid, countFds([pid])])
    .filter(([, fds]) => fds > 50)
    .map(([pid, fds]) => `${comm(pid)}${entry(pid)} ${fds}`)
    .join(", ");
  if (n >= 100) console.log(`  server fds with ${n} sockets open: ${perProcess}`);
  const clientFds = countFds([process.pid]);
  await sleep(1500);
  const load = [loadavg()[0]];
  const cpu0 = { server: processCpuMs(serverPids()), bench: processCpuMs([process.pid]) };
  const from = Date.now();
  await sleep(MEASURE_MS);
  const to = Date.now() - 1000; // ticks in the last second may still be in flight to the slowest clients
  load.push(loadavg()[0]);
  const cpu = { server: processCpuMs(serverPids()) - cpu0.server, bench: processCpuMs([process.pid]) - cpu0.bench };
  await sleep(1500);
  const window = (f) => f.ts >= from && f.ts <= to;
  const ticks = new Set();
  for (const c of clients) for (const f of c.frames) if (window(f)) ticks.add(f.seq);
  let missing = 0;
  let duplicates = 0;
  const latencies = [];
  for (const c of clients) {
    const mine = c.frames.filter(window);
    const seqs = new Set(mine.map((f) => f.seq));
    duplicates += mine.length - seqs.size;
    for (const s of ticks) if (!seqs.has(s)) missing++;
    for (const f of mine) latencies.push(f.at - f.ts);
  }
  for (const c of clients) c.ws.close();
  await sleep(500);
  for (let i = 0; i < 20 && countFds(serverPids()) > idleFds.server + 20; i++) await sleep(500); // closes drain
  const seconds = (to - from) / 1000;
  return {
    ...summarize(latencies),
    clients: n,
    ticks: ticks.size,
    missing,
    duplicates,
    connectMs,
    rate: latencies.length / seconds,
    cpuPerTick: { server: cpu.server / (MEASURE_MS / 1000), bench: cpu.bench / (MEASURE_MS / 1000) },
    fdsPerSocket: (serverFds - idleFds.server) / n,
    clientFdsPerSocket: (clientFds - idleFds.client) / n,
    load,
  };
}

// Under `wrangler dev` the server side holds about five descriptors per WebSocket (wrangler's proxy in front of
// workerd), in bare Miniflare about one; the bench process holds one per client either way.
const PER_SOCKET = { wrangler: 6, miniflare: 2, external: 1 }[MODE];
const limit = Number(/Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? Infinity);
if (limit < Math.max(...SIZES) * PER_SOCKET)
  console.warn(
    `open-file limit ${limit} is low for ${Math.max(...SIZES)} clients in ${MODE} mode; raise \`ulimit -n\`` +
      (MODE === "wrangler" ? " or use FANOUT_MODE=miniflare" : ""),
  );

const vars = {
  RATE_LIMIT_ANON_PER_MINUTE: "1000000",
  RATE_LIMIT_USER_PER_MINUTE: "1000000",
  RATE_LIMIT_ADMIN_PER_MINUTE: "1000000",
  // Every client signs in as the one seeded admin; the per-account stream quota (20 by default) would refuse the rest.
  QUOTA_STREAM_CONNECTIONS: String(Math.max(20, ...SIZES)),
  SYNTHETIC_TICK_MS: "1000",
};
let server = { base: process.env.BASE_URL, pid: undefined, stop: () => {} };
let bare = null;
let stopping;
/** Stops the servers once (a signal and the run's own `finally` may both ask). */
function stopServer() {
  stopping ??= (async () => {
    await server.stop();
    await bare?.stop();
    await killSpawned();
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, async () => {
    console.error(`${signal}: stopping the server`);
    await stopServer();
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal] ?? 0));
  });
}
if (MODE === "miniflare") server = await startMiniflare({ port: PORT, vars, seed: true });
else if (MODE === "wrangler") server = await startDev({ port: PORT, vars, seed: true });
console.log(`fan-out against ${MODE_LABEL} at ${server.base}`);
// The baseline in the same run: a bare Durable Object sending one pre-built string to every hibernated socket.
if (!process.env.FANOUT_NO_BARE) {
  bare = await startBareBroadcast({ port: PORT + 1 });
  console.log(`bare-broadcast baseline at ${bare.base}`);
}

/** The server's processes (wrangler dev: npx, wrangler, workerd…; Miniflare: workerd), for fd counts. */
function serverPids() {
  if (!server.pid) return [];
  return MODE === "wrangler" ? [server.pid, ...descendants(server.pid)] : [server.pid];
}
/** " (entry 127.0.0.1:port)" for a workerd process: which one listens where the clients connect. */
const entry = (pid) => {
  try {
    const m = /--socket-addr=entry=(\S+)/.exec(readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
    return m ? ` (entry ${m[1]})` : "";
  } catch {
    return "";
  }
};
const comm = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
};

/** Waits until the ticker runs on a steady 1 s beat (the asset's history backfill competes for D1 at first). */
async function warmUp(base, token = "bare") {
  const probe = await openClient(base, token);
  for (let i = 0; i < 60; i++) {
    await sleep(1000);
    const recent = probe.frames.filter((f) => f.at > Date.now() - 5000);
    if (recent.length >= 4) break;
  }
  probe.ws.close();
}

const rows = [];
const bareRows = [];
const line = (who, r) =>
  console.log(
    `${who} ${String(r.clients).padStart(5)} clients: ${r.ticks} ticks, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, max ${fmt(r.max, 1)} ms, ` +
      `${fmt(r.rate, 0)} msg/s, missing ${r.missing}, duplicates ${r.duplicates}, connect ${(r.connectMs / 1000).toFixed(1)} s, ` +
      `server fds/socket ${fmt(r.fdsPerSocket, 2)}, bench fds/socket ${fmt(r.clientFdsPerSocket, 2)}, load ${r.load.map((l) => fmt(l)).join(" → ")}, ` +
      `CPU per second (one tick): server ${fmt(r.cpuPerTick.server, 0)} ms, bench ${fmt(r.cpuPerTick.bench, 0)} ms`,
  );
try {
  const token = await prepare(server.base);
  await warmUp(server.base, token);
  const app = { base: server.base, token, pids: serverPids };
  const floor = bare && { base: bare.base, token: "bare", pids: () => (bare.pid ? [bare.pid] : []) };
  if (floor) await warmUp(bare.base);
  await sleep(1000);
  app.idle = { server: countFds(app.pids()), client: countFds([process.pid]) };
  if (floor) floor.idle = { server: countFds(floor.pids()), client: countFds([process.pid]) };
  console.log(`idle: server fds ${app.idle.server}, bench fds ${app.idle.client}, load ${fmt(loadavg()[0])}`);
  for (const [i, n] of SIZES.entries()) {
    // Alternate which side goes first, so drift on a shared machine does not always favour one.
    const order = floor ? (i % 2 ? [floor, app] : [app, floor]) : [app];
    for (const target of order) {
      const r = await run(target, n);
      (target === app ? rows : bareRows).push(r);
      line(target === app ? "edgeindex" : "bare     ", r);
    }
  }
} finally {
  await stopServer();
}

const baseline = rows[0];
const lines = [
  "",
  `### ${new Date().toISOString().slice(0, 10)}: ${SIZES.join(" / ")} clients on one symbol, ${MEASURE_MS / 1000} s of 1 s ticks, ${MODE_LABEL} (4 shards)`,
  "",
  "| mode | clients | ticks | p50 ms | p99 ms | max ms | p50 / p99 vs 1 client | delivered msg/s | missing | duplicates | server fds / socket | CPU ms per tick: server / bench | load avg 1 min (start → end) |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${MODE} | ${r.clients} | ${r.ticks} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.max, 1)} | ${fmt(r.p50 / baseline.p50, 1)}× / ${fmt(r.p99 / baseline.p99, 1)}× | ${fmt(r.rate, 0)} | ${r.missing} | ${r.duplicates} | ${r.clients >= 100 ? fmt(r.fdsPerSocket, 2) : "—"} | ${fmt(r.cpuPerTick.server, 0)} / ${fmt(r.cpuPerTick.bench, 0)} | ${r.load.map((l) => fmt(l)).join(" → ")} |`,
  ),
  "",
];
for (const r of rows.slice(1)) {
  console.log(
    `at ${r.clients} clients: p50 ${fmt(r.p50 / baseline.p50, 1)}×, p99 ${fmt(r.p99 / baseline.p99, 1)}× the ${baseline.clients}-client baseline`,
  );
}
if (bareRows.length) {
  lines.push(
    "Bare-broadcast baseline in the same run (one Durable Object, one pre-built string to every hibernated socket):",
    "",
    "| clients | bare p50 ms | bare p99 ms | edgeindex p99 ms | edgeindex ÷ bare p50 / p99 | bare CPU ms per tick: server / bench |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const [i, b] of bareRows.entries()) {
    const r = rows[i];
    lines.push(
      `| ${b.clients} | ${fmt(b.p50, 1)} | ${fmt(b.p99, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.p50 / b.p50, 2)}× / ${fmt(r.p99 / b.p99, 2)}× | ${fmt(b.cpuPerTick.server, 0)} / ${fmt(b.cpuPerTick.bench, 0)} |`,
    );
    console.log(
      `at ${r.clients} clients: edgeindex ÷ bare broadcast p50 ${fmt(r.p50 / b.p50, 2)}×, p99 ${fmt(r.p99 / b.p99, 2)}× (goal at 5,000: p99 ≤ 100 ms and ≤ 1.5×)`,
    );
  }
  const big = rows.findIndex((r) => r.clients === 5000);
  if (big >= 0) {
    const r = rows[big];
    const ratio = r.p99 / bareRows[big].p99;
    console.log(
      `goal, 5,000 clients: p99 ${fmt(r.p99, 1)} ms ${r.p99 <= 100 ? "✓" : "✗"} (≤ 100 ms); ×${fmt(ratio, 2)} the bare broadcast ${ratio <= 1.5 ? "✓" : "✗"} (≤ 1.5×)`,
    );
  }
  lines.push("");
}
const results = new URL("./RESULTS.md", import.meta.url);
if (!process.env.FANOUT_NO_RECORD) {
  let doc = existsSync(results) ? readFileSync(results, "utf8") : "# Bench results\n";
  if (!doc.includes("\n## Fan-out")) {
    doc =
      `${doc.trimEnd()}\n\n## Fan-out\nTick-to-receive latency = receive time − the quote's \`ts\` (set when the ticker generated it), ` +
      "same machine clock. A tick is missing for a client that did not receive a seq another client received.\n";
  }
  // Appended at the end of the Fan-out section, before any section that follows it.
  const start = doc.indexOf("\n## Fan-out");
  const next = doc.indexOf("\n## ", start + 1);
  const at = next === -1 ? doc.length : next;
  writeFileSync(results, `${doc.slice(0, at).trimEnd()}\n${lines.join("\n")}${doc.slice(at)}`);
}
const worst = rows.find((r) => r.missing > 0);
if (worst) {
  console.error(`FAIL: ${worst.missing} tick deliveries missing at ${worst.clients} clients`);
  process.exit(1);
}
