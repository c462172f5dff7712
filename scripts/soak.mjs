// `npm run soak`: 10 minutes (SOAK_SECONDS) of mixed traffic against a local `wrangler dev` on loopback (PORT,
// default 8787): reads, orders, stream clients joining and leaving, admin refreshes with ~30% injected provider
// faults (SYNTHETIC_FAULT_RATE). Bounded in time and count (SOAK_MAX_REQUESTS). Then it checks: no bar lost or
// changed outside a revision, the ledger balanced to the cent, no job left running, no socket leaked, and
// workerd's memory flat within 20%. Prints one JSON summary; record it in bench/RESULTS.md.
import { readFileSync } from "node:fs";
import { countFds, descendants, killSpawned, percentile, startDev } from "../bench/lib.mjs";

const PORT = Number(process.env.PORT ?? 8787);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const MAX_REQUESTS = Number(process.env.SOAK_MAX_REQUESTS ?? 150_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 6);
const MAX_SOCKETS = 12;
const ADMIN = { email: "admin@edgeindex.dev", password: "edgeindex-demo-pass" };
const DEMO = { email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" };
const WATCHED = ["AAPL", "MSFT", "SPY", "NVDA", "JPM"];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (n) => Math.floor(Math.random() * n);

const server = await startDev({
  port: PORT,
  seed: true,
  vars: {
    RATE_LIMIT_USER_PER_MINUTE: "1000000",
    RATE_LIMIT_ADMIN_PER_MINUTE: "1000000",
    RATE_LIMIT_ACCOUNT_PER_MINUTE: "1000000",
    RATE_LIMIT_ANON_PER_MINUTE: "1000000",
    SYNTHETIC_FAULT_RATE: process.env.SYNTHETIC_FAULT_RATE ?? "0.3",
    // Retries come back within seconds, so every faulted refresh has ended (succeeded, failed or dead) by the drain.
    JOB_RETRY_BASE_SECONDS: "2",
    JOB_RETRY_MAX_SECONDS: "10",
    LOG_LEVEL: "silent",
  },
});
const base = server.base;
const stop = async () => {
  server.stop();
  await killSpawned();
};
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => stop().then(() => process.exit(130)));

/** Milliseconds of every traffic request (set-up and checks are not timed). */
const latencies = [];
let timing = false;

async function api(path, { token, json, method = json ? "POST" : "GET" } = {}) {
  const started = performance.now();
  const headers = {};
  if (json) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method, headers, body: json ? JSON.stringify(json) : undefined });
  const text = await res.text();
  if (timing) latencies.push(performance.now() - started);
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

async function signIn(who) {
  for (let i = 0; i < 120; i++) {
    const r = await api("/v1/auth/login", { json: who }).catch(() => ({ status: 0 }));
    if (r.status === 200) return r.body;
    await sleep(1000);
  }
  throw new Error(`cannot sign in as ${who.email}`);
}

function workerdPids() {
  return [server.pid, ...descendants(server.pid)].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd";
    } catch {
      return false;
    }
  });
}
const rssMiB = () =>
  workerdPids().reduce((sum, pid) => {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return sum + (m ? Number(m[1]) / 1024 : 0);
  }, 0);

async function allBars(token, symbol) {
  const out = new Map();
  let cursor = null;
  do {
    const r = await api(`/v1/assets/${symbol}/prices?limit=1000${cursor ? `&cursor=${cursor}` : ""}`, { token });
    if (r.status !== 200) throw new Error(`prices ${symbol}: ${r.status}`);
    for (const b of r.body.data) out.set(b.date, b);
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}

// ---- set up
let admin = await signIn(ADMIN);
let demo = await signIn(DEMO);
const symbols = (await api("/v1/assets?limit=100", { token: demo.access_token })).body.data.map((a) => a.symbol);
const before = new Map();
for (const s of WATCHED) before.set(s, await allBars(demo.access_token, s));
// A fresh trader, so the ledger check starts from the configured paper cash alone.
const traderCred = { email: `soak-${Date.now()}@example.com`, password: "soak-password-not-common-42" };
let trader = (await api("/v1/auth/register", { json: traderCred })).body;
const startCash = (await api("/v1/portfolio", { token: trader.access_token })).body.cash;

// ---- traffic
const counts = { requests: 0, byStatus: {}, errors: 0, refreshes: 0, sockets_opened: 0, sockets_closed: 0, orders: 0 };
const count = (status) => {
  counts.requests++;
  counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
};
const sockets = new Set();
function openSocket(token) {
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/stream`);
  ws.onopen = () => ws.send(JSON.stringify({ action: "auth", token }));
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.type === "status")
      ws.send(JSON.stringify({ action: "subscribe", symbols: [symbols[rand(symbols.length)]] }));
  };
  ws.onclose = () => sockets.delete(ws);
  sockets.add(ws);
  counts.sockets_opened++;
}
const memory = [];
// The server's descriptors before any stream client: afterwards they must come back to about this level.
const fdsBefore = countFds([server.pid, ...descendants(server.pid)]);
timing = true;
const startedAt = Date.now();
const deadline = startedAt + SECONDS * 1000;
const sampler = setInterval(
  () => memory.push({ t: Math.round((Date.now() - startedAt) / 1000), mib: rssMiB() }),
  10_000,
);
let lastRefresh = 0;
let lastTokenRenewal = Date.now();

async function step() {
  const now = Date.now();
  if (now - lastTokenRenewal > 10 * 60_000) {
    lastTokenRenewal = now;
    [admin, demo, trader] = await Promise.all([signIn(ADMIN), signIn(DEMO), signIn(traderCred)]);
  }
  if (now - lastRefresh > 20_000) {
    lastRefresh = now;
    const r = await api("/v1/admin/refresh", { token: admin.access_token, json: { symbols: WATCHED.slice(0, 3) } });
    count(r.status);
    counts.refreshes++;
    return;
  }
  const roll = rand(100);
  const s = symbols[rand(symbols.length)];
  let r;
  if (roll < 35) r = await api(`/v1/assets/${s}/prices?limit=100&order=desc`, { token: demo.access_token });
  else if (roll < 50)
    r = await api(`/v1/quotes?symbols=${symbols.slice(0, 10).join(",")}`, { token: demo.access_token });
  else if (roll < 58) r = await api(`/v1/assets?search=${s.slice(0, 2)}`, { token: demo.access_token });
  else if (roll < 66) r = await api("/v1/portfolio", { token: trader.access_token });
  else if (roll < 80) {
    const side = rand(2) ? "buy" : "sell";
    r = await api("/v1/orders", {
      token: trader.access_token,
      json: { symbol: WATCHED[rand(WATCHED.length)], side, qty: (1 + rand(30)) / 10, type: "market" },
    });
    if (r.status === 201) counts.orders++;
  } else if (roll < 88) r = await api("/v1/indexes", { token: demo.access_token });
  else if (roll < 94) {
    if (sockets.size < MAX_SOCKETS) openSocket(demo.access_token);
    else {
      const ws = [...sockets][rand(sockets.size)];
      ws.close(1000, "soak");
      counts.sockets_closed++;
    }
    return;
  } else r = await api("/v1/me", { token: demo.access_token });
  count(r.status);
  if (r.status >= 500) counts.errors++;
}

await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline && counts.requests < MAX_REQUESTS) {
      await step().catch(() => {
        counts.errors++;
      });
    }
  }),
);
clearInterval(sampler);
timing = false;
const trafficSeconds = (Date.now() - startedAt) / 1000;
for (const ws of sockets) ws.close(1000, "soak over");
counts.sockets_closed += sockets.size;
await sleep(5_000);

// ---- checks
// Jobs: let the queue drain, then nothing may be left running or queued.
let running = -1;
let leftJobs = [];
for (let i = 0; i < 60; i++) {
  const [a, b] = await Promise.all([
    api("/v1/admin/jobs?status=running&limit=100", { token: admin.access_token }),
    api("/v1/admin/jobs?status=queued&limit=100", { token: admin.access_token }),
  ]);
  leftJobs = [...(a.body?.data ?? []), ...(b.body?.data ?? [])];
  running = leftJobs.length;
  if (running === 0) break;
  await sleep(2_000);
}
// Bars: every bar seen before is still served; a changed one must have a newer revision on record.
let lost = 0;
let changedWithoutRevision = 0;
for (const [symbol, bars] of before) {
  const after = await allBars(demo.access_token, symbol);
  for (const [date, bar] of bars) {
    const now = after.get(date);
    if (!now) {
      lost++;
      continue;
    }
    if (now.close !== bar.close || now.open !== bar.open || now.volume !== bar.volume) {
      const revs = await api(`/v1/assets/${symbol}/prices/revisions?date=${date}`, { token: demo.access_token });
      if ((revs.body?.data?.length ?? 0) < 2) changedWithoutRevision++;
    }
  }
}
// Ledger: cash = paper cash − Σ buys charged (rounded up) + Σ sells credited (rounded down), from the fills.
const filled = [];
let cursor = null;
do {
  const r = await api(`/v1/orders?status=filled&limit=100${cursor ? `&cursor=${cursor}` : ""}`, {
    token: trader.access_token,
  });
  filled.push(...r.body.data);
  cursor = r.body.next_cursor;
} while (cursor);
let cents = Math.round(startCash * 100);
for (const o of filled) {
  const exact = Number((o.filled_qty * o.avg_fill_price * 100).toPrecision(15));
  cents += o.side === "buy" ? -Math.ceil(exact) : Math.floor(exact);
}
const portfolio = (await api("/v1/portfolio", { token: trader.access_token })).body;
const ledgerDiffCents = Math.round(portfolio.cash * 100) - cents;
// Sockets: the server's descriptors return to their level before the stream clients (within a small slack).
const fds = countFds([server.pid, ...descendants(server.pid)]);
const warm = memory.filter((m) => m.t >= 60);
const firstMinute = warm.slice(0, 6);
const lastMinute = warm.slice(-6);
const avg = (xs) => xs.reduce((a, m) => a + m.mib, 0) / (xs.length || 1);
const memoryGrowth = avg(lastMinute) / avg(firstMinute) - 1;

const sorted = latencies.toSorted((a, b) => a - b);
const at = (p) => (sorted.length ? Number(percentile(sorted, p).toFixed(1)) : null);
// A leaked socket keeps its descriptor; allow a little slack for wrangler's own files and keep-alive connections.
const FD_SLACK = 20;
const summary = {
  seconds: Math.round((Date.now() - startedAt) / 1000),
  traffic_seconds: Math.round(trafficSeconds),
  rps: Number((counts.requests / trafficSeconds).toFixed(1)),
  latency_ms: { p50: at(50), p90: at(90), p99: at(99), max: at(100) },
  ...counts,
  checks: {
    bars_checked: [...before.values()].reduce((a, m) => a + m.size, 0),
    bars_lost: lost,
    bars_changed_without_revision: changedWithoutRevision,
    filled_orders: filled.length,
    ledger_diff_cents: ledgerDiffCents,
    jobs_left_running_or_queued: running,
    open_sockets_after: sockets.size,
    open_socket_states_after: [...sockets].map((ws) => ws.readyState),
    jobs_left: leftJobs.map((j) => ({
      id: j.id,
      kind: j.kind,
      status: j.status,
      attempts: j.attempts,
      error: j.error,
    })),
    server_fds_before: fdsBefore,
    server_fds_after: fds,
    workerd_rss_mib_first_minute: Number(avg(firstMinute).toFixed(1)),
    workerd_rss_mib_last_minute: Number(avg(lastMinute).toFixed(1)),
    workerd_rss_growth_pct: Number((memoryGrowth * 100).toFixed(1)),
  },
};
const ok =
  lost === 0 &&
  changedWithoutRevision === 0 &&
  ledgerDiffCents === 0 &&
  running === 0 &&
  counts.errors === 0 &&
  fds <= fdsBefore + FD_SLACK &&
  Math.abs(memoryGrowth) <= 0.2;
console.log(JSON.stringify({ ok, ...summary }, null, 2));
await stop();
process.exit(ok ? 0 : 1);
