// Local-only settings every script needs on a fresh clone: `.dev.vars` (copied from `.dev.vars.example`) and the port.
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;

/** Creates `.dev.vars` from the example when missing (wrangler reads it for JWT_SECRET and the local vars). */
export function ensureDevVars(root = ROOT) {
  const target = join(root, ".dev.vars");
  if (existsSync(target)) return { created: false, path: target };
  copyFileSync(join(root, ".dev.vars.example"), target);
  return { created: true, path: target };
}

/** The values of `.dev.vars` (after `ensureDevVars`), for scripts that start the Worker without wrangler dev. */
export function readDevVars(root = ROOT) {
  ensureDevVars(root);
  const vars = {};
  for (const line of readFileSync(join(root, ".dev.vars"), "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

/** The base URL of the local server, honouring PORT (and EDGEINDEX_URL for a remote one). */
export function localBase() {
  return process.env.EDGEINDEX_URL ?? `http://127.0.0.1:${process.env.PORT ?? "8787"}`;
}

/**
 * The Worker configurations a local server runs together: the API Worker (first: it takes the port) and the
 * assets-only Worker its ASSETS service binding names. `wrangler dev` serves both from one process.
 */
export const SITE_CONFIG = "site/wrangler.toml";
export const WORKER_CONFIGS = ["wrangler.toml", SITE_CONFIG];

/** `-c` arguments for `wrangler dev` over the configurations present in `root` (an older tree may have only one). */
export function devConfigArgs(root = ROOT) {
  return WORKER_CONFIGS.filter((file) => existsSync(join(root, file))).flatMap((file) => ["-c", join(root, file)]);
}

/**
 * Miniflare options of the assets-only Worker (site/wrangler.toml), for a Miniflare that runs the API Worker
 * without `wrangler dev` (the tests, the benches). Its script never runs: with no user Worker, the platform's
 * router sends every request to the assets, as in production. Miniflare sends a service binding that names a
 * Worker with assets to that router.
 */
export async function siteWorkerOptions(root = ROOT) {
  const { unstable_getMiniflareWorkerOptions, unstable_readConfig } = await import("wrangler");
  const configPath = join(root, SITE_CONFIG);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  return {
    name: unstable_readConfig({ config: configPath }).name,
    compatibilityDate: workerOptions.compatibilityDate,
    modules: true,
    script: 'export default { fetch: () => new Response("Not found", { status: 404 }) };',
    assets: workerOptions.assets,
  };
}
