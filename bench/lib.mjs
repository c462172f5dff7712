// Shared bench plumbing: start a throwaway `wrangler dev` (own state dir, own port) or the same Worker in bare
// Miniflare, bundle repo modules for plain Node or into a Worker served by Miniflare, open a migrated local D1,
// count a process tree's fds, and percentile math.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { build } from "esbuild";
import { devConfigArgs, ensureDevVars, siteWorkerOptions } from "../scripts/local-settings.mjs";

const ROOT = new URL("..", import.meta.url).pathname;

/** Process groups of every server started here, so a bench can kill them all (see `killSpawned`), even mid-start. */
export const spawnedGroups = new Set();

/**
 * Starts wrangler dev with extra `--var`s (and the Worker's DevTools inspector on `inspectorPort`, when given);
 * resolves when /health answers. `persist` is its state directory.
 */
export async function startDev({ port, vars = {}, seed = false, inspectorPort } = {}) {
  ensureDevVars(); // a fresh clone has no .dev.vars yet, and wrangler dev takes JWT_SECRET from it
  const persist = mkdtempSync(join(tmpdir(), "edgeindex-bench-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
  const migrate = spawn("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    env,
    stdio: "ignore",
  });
  await new Promise((r) => migrate.on("exit", r));
  const args = [
    "wrangler",
    "dev",
    ...devConfigArgs(process.cwd()), // the API Worker and the assets-only Worker its ASSETS binding names
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persist,
    "--log-level",
    "error",
  ];
  if (inspectorPort) args.push("--inspector-port", String(inspectorPort));
  const allVars = { ENVIRONMENT: "development", SEED_ON_EMPTY: String(seed), LOG_LEVEL: "silent", ...vars };
  for (const [k, v] of Object.entries(allVars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", args, { env, stdio: ["ignore", "ignore", "inherit"], detached: true });
  spawnedGroups.add(child.pid);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const res = await fetch(`${base}/health`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // not up yet
    }
  }
  // The state directory (local D1/KV/DO and wrangler's trace store: ~250 MB after a soak) goes with the server.
  const exited = new Promise((r) => child.once("exit", r));
  const removeState = () => rmSync(persist, { recursive: true, force: true });
  process.once("exit", removeState);
  let stopped;
  return {
    base,
    pid: child.pid,
    persist,
    /** Signals the process group, waits (≤ 10 s) for it to end, then removes the state directory. */
    stop: () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      stopped ??= Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]).then(removeState);
      return stopped;
    },
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samplesMs) {
  const s = [...samplesMs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    mean,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s[s.length - 1],
  };
}

/** Bundles a TypeScript module of the repo (`entry`, relative to the root) into `outdir` and imports it. */
export async function bundleModule(entry, outdir, name) {
  const outfile = join(outdir, `${name}.mjs`);
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    outfile,
    logLevel: "error",
  });
  return import(outfile);
}

/**
 * Bundles `entry` into `dir` (`name`.mjs: one ES module, esbuild's neutral platform unless `build` says otherwise)
 * and runs it in its own Miniflare on `port` with `options` (bindings, D1, persistence, compatibility); resolves
 * once workerd listens. The ingest, min-variance and index-build benches time their Worker code this way.
 */
export async function serveBundled({ entry, dir, name = "worker", port, build: buildOptions = {}, options = {} }) {
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    outfile,
    logLevel: "error",
    ...buildOptions,
  });
  const { Miniflare, convertV4MiniflareOptions = (o) => o } = await import("miniflare");
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      rootPath: dir,
      scriptPath: outfile,
      host: "127.0.0.1",
      port,
      ...options,
    }),
  );
  try {
    return { mf, base: (await mf.ready).origin };
  } catch (err) {
    await mf.dispose().catch(() => {});
    throw err;
  }
}

/** wrangler's getPlatformProxy over a local D1 in `persist`, migrated first; call `dispose()` when done. */
export async function localPlatform(persist) {
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
  const { getPlatformProxy } = await import("wrangler");
  return getPlatformProxy({ configPath: join(ROOT, "wrangler.toml"), persist: { path: join(persist, "v3") } });
}

/** Weekdays: `n` of them ending about a week ago (the synthetic universes of the build and simulation benches). */
export function weekdays(n) {
  const out = [];
  const d = new Date(Date.now() - Math.ceil((n * 7) / 5 + 10) * 86_400_000);
  while (out.length < n) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

export const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

/**
 * A seeded random walk for symbol `index` over `dates` (deterministic, so a bench can regenerate any slice instead of
 * keeping the universe): closes rounded to cents, and one market cap on the first date.
 */
export function seededWalk(index, dates) {
  let seed = ((index + 1) * 2654435761) >>> 0;
  const rand = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  let p = 20 + rand() * 200;
  const vol = 0.01 + rand() * 0.02;
  const cap = 1e9 * (1 + rand() * 500);
  const points = dates.map((date) => {
    p *= 1 + (rand() - 0.5) * 2 * vol;
    return { date, close: Math.round(p * 100) / 100 };
  });
  return { points, cap: [{ date: dates[0], value: cap }] };
}

/** Node's heap for the memory figures: `gc()` forces a full collection (V8's --expose-gc), `heapUsed()` reads it. */
export function heapProbe() {
  v8.setFlagsFromString("--expose-gc");
  return { gc: vm.runInNewContext("gc"), heapUsed: () => process.memoryUsage().heapUsed };
}
export const mb = (bytes) => `${fmt(bytes / 2 ** 20, 1)} MB`;

/**
 * Starts `wrangler dev` on a standalone worker directory (its own wrangler.toml, so wrangler does not pick up
 * the repo's config); resolves once `readyPath` answers 2xx. `stop()` signals the whole process group.
 */
export async function startWorker({ dir, port, readyPath = "/" }) {
  const wrangler = new URL("../node_modules/.bin/wrangler", import.meta.url).pathname;
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(dir, ".state")];
  const child = spawn(wrangler, [...args, "--log-level", "error"], {
    cwd: dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  spawnedGroups.add(child.pid);
  const base = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  for (let i = 0; i < 240; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const res = await fetch(`${base}${readyPath}`);
      await res.body?.cancel();
      if (res.ok) return { base, pid: child.pid, stop };
    } catch {
      // not up yet
    }
  }
  stop();
  throw new Error(`wrangler dev in ${dir} did not answer ${readyPath} on port ${port}`);
}

/** SIGTERM every process group in `spawnedGroups`, then SIGKILL whatever is still alive after `graceMs`. */
export async function killSpawned(graceMs = 3000) {
  const alive = (pid) => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of spawnedGroups) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && [...spawnedGroups].some(alive)) await new Promise((r) => setTimeout(r, 100));
  for (const pid of spawnedGroups) {
    if (alive(pid)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    spawnedGroups.delete(pid);
  }
}

/**
 * Fires `total` GETs of one URL with `concurrency` in flight (every body read); per-request latency summary,
 * statuses, throughput, the last body's size, and the median of each Server-Timing stage the server reported.
 */
export async function load(url, headers, total, concurrency) {
  const latencies = [];
  const statuses = new Map();
  const stageSamples = new Map();
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        const res = await fetch(url, { headers });
        bytes = (await res.arrayBuffer()).byteLength;
        latencies.push(performance.now() - t);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        for (const [name, ms] of serverTimings(res.headers.get("server-timing"))) {
          if (!stageSamples.has(name)) stageSamples.set(name, []);
          stageSamples.get(name).push(ms);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stages = Object.fromEntries(
    [...stageSamples].map(([name, xs]) => [
      name,
      percentile(
        xs.sort((a, b) => a - b),
        50,
      ),
    ]),
  );
  return { ...summarize(latencies), rps: total / seconds, bytes, statuses: Object.fromEntries(statuses), stages };
}

/** `auth;dur=0.3, total;dur=1.2;desc="…"` → [["auth", 0.3], ["total", 1.2]]. */
export function serverTimings(header) {
  if (!header) return [];
  return header
    .split(",")
    .map((part) => {
      const [name, ...params] = part.trim().split(";");
      const dur = params.map((p) => p.trim()).find((p) => p.startsWith("dur="));
      return [name, dur ? Number(dur.slice(4)) : Number.NaN];
    })
    .filter(([name, ms]) => name && Number.isFinite(ms));
}

/**
 * Runs the repo's Worker in Miniflare directly, with no `wrangler dev` in front: clients connect straight to
 * workerd's own listening socket. Same source and config as `wrangler dev`: wrangler bundles `src/index.ts`
 * (`wrangler deploy --dry-run`), `unstable_getMiniflareWorkerOptions` turns wrangler.toml (+ .dev.vars) into the
 * bindings, `vars` override them as `--var` does, and D1 is migrated into a fresh persist dir first.
 * `stop()` disposes Miniflare (SIGKILLs workerd) and removes the state dir; Miniflare also kills workerd itself on
 * exit, SIGINT and SIGTERM.
 */
export async function startMiniflare({ port, vars = {}, seed = false } = {}) {
  const persist = mkdtempSync(join(tmpdir(), "edgeindex-bench-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" };
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: ROOT,
    stdio: "ignore",
    env,
  });
  const outdir = join(persist, "dist");
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], { cwd: ROOT, stdio: "ignore", env });
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { Miniflare, convertV4MiniflareOptions = (o) => o } = await import("miniflare");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  const bindings = {
    JWT_SECRET: "bench-only-secret-0123456789abcdef0123456789abcdef",
    ...workerOptions.bindings,
    ENVIRONMENT: "development",
    SEED_ON_EMPTY: String(seed),
    LOG_LEVEL: "silent",
    ...vars,
  };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port,
      resourcePersistencePath: join(persist, "v3"), // where `d1 migrations apply --persist-to` wrote
      workers: [
        {
          ...workerOptions,
          name: "edgeindex",
          bindings,
          modulesRules: undefined, // the bundle is one ES module; v5's v4-option converter refuses rules
          rootPath: outdir, // module names are relative to rootPath and may not climb out of it
          modules: true,
          scriptPath: join(outdir, "index.js"),
        },
        await siteWorkerOptions(), // the dashboard's files, behind the API Worker's ASSETS binding
      ],
    }),
  );
  // Miniflare's own signal hook may end the process before an async stop() finishes; the state dir goes anyway.
  const removeState = () => rmSync(persist, { recursive: true, force: true });
  process.once("exit", removeState);
  let stopped;
  const stop = () => {
    stopped ??= mf
      .dispose()
      .catch(() => {})
      .then(removeState);
    return stopped;
  };
  try {
    const url = await mf.ready;
    const base = url.origin;
    const workerd = descendants(process.pid).find((pid) => procComm(pid) === "workerd");
    return { base, pid: workerd, stop, mode: "miniflare" };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The fan-out floor: one Durable Object holding hibernated WebSockets (`acceptWebSocket`) that, once a second on
 * its alarm, builds one quote-shaped frame and sends that one string to every socket. It answers the stream's
 * handshake (auth → status, subscribe → subscribed) and nothing else, so a client written for /v1/stream works.
 */
const BARE_BROADCAST = `import { DurableObject } from "cloudflare:workers";
export class BareHub extends DurableObject {
  async fetch() {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Math.ceil((Date.now() + 1) / 1000) * 1000);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  webSocketMessage(ws, raw) {
    const msg = JSON.parse(raw);
    if (msg.action === "auth") ws.send('{"type":"status","status":"authenticated"}');
    else if (msg.action === "subscribe") ws.send('{"type":"subscribed","symbols":["AAPL"],"indexes":[]}');
  }
  async alarm() {
    const seq = (this.ctx.storage.kv.get("seq") ?? 0) + 1;
    this.ctx.storage.kv.put("seq", seq);
    const price = Math.round((180 + Math.sin(seq / 7)) * 100) / 100;
    const frame = JSON.stringify({ type: "quote", symbol: "AAPL", price, change: 0.42, change_pct: 0.2339, ts: new Date().toISOString(), seq });
    for (const ws of this.ctx.getWebSockets()) {
      try { ws.send(frame); } catch {}
    }
    await this.ctx.storage.setAlarm(Math.ceil((Date.now() + 1) / 1000) * 1000);
  }
}
export default { fetch: (req, env) => env.HUB.getByName("one").fetch(req) };
`;

/** Starts the bare-broadcast worker (above) in its own Miniflare on `port`; `stop()` disposes it. */
export async function startBareBroadcast({ port }) {
  const { Miniflare, convertV4MiniflareOptions = (o) => o } = await import("miniflare");
  const before = new Set(descendants(process.pid));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: BARE_BROADCAST,
      compatibilityDate: "2026-10-01",
      durableObjects: { HUB: { className: "BareHub", useSQLite: true } },
      host: "127.0.0.1",
      port,
    }),
  );
  const url = await mf.ready;
  const workerd = descendants(process.pid).find((pid) => !before.has(pid) && procComm(pid) === "workerd");
  return { base: url.origin, pid: workerd, stop: () => mf.dispose().catch(() => {}), mode: "bare" };
}

function procComm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** Every live descendant of `root` (Linux /proc), not `root` itself. */
export function descendants(root) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  const out = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift();
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** User + system CPU time of the given processes so far, in ms (/proc/<pid>/stat, 100 clock ticks a second). */
export function processCpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10;
}

/** The workerd processes a `wrangler dev` started (its process group's descendants named workerd). */
export function workerdOf(rootPid) {
  return descendants(rootPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd";
    } catch {
      return false;
    }
  });
}

/** Open file descriptors of the given processes, summed (processes that are gone count 0). */
export function countFds(pids) {
  let n = 0;
  for (const pid of pids) {
    try {
      n += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // gone, or not ours
    }
  }
  return n;
}
