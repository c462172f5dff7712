// Shared bench plumbing: start a throwaway `wrangler dev` (own state dir, own port), bundle repo modules for
// plain Node, open a migrated local D1, and percentile math.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

/** Process groups of every server started here, so a bench can kill them all (see `killSpawned`), even mid-start. */
export const spawnedGroups = new Set();

/** Starts wrangler dev with extra `--var`s; resolves when /health answers. */
export async function startDev({ port, vars = {}, seed = false } = {}) {
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
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persist,
    "--log-level",
    "error",
  ];
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
  return {
    base,
    pid: child.pid,
    stop: () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
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

const ROOT = new URL("..", import.meta.url).pathname;

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

export const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

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
 * statuses, throughput and the last body's size.
 */
export async function load(url, headers, total, concurrency) {
  const latencies = [];
  const statuses = new Map();
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
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { ...summarize(latencies), rps: total / seconds, bytes, statuses: Object.fromEntries(statuses) };
}
