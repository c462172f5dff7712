// Shared bench plumbing: start a throwaway `wrangler dev` (own state dir, own port), bundle repo modules for
// plain Node, open a migrated local D1, and percentile math.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

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
