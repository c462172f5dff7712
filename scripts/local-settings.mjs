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
