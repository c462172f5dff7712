// `npm run bench`: runs every bench/*.mjs (except this file, the lib*.mjs helpers and the profile-* tools) in turn and prints
// their output.
// Each script measures against a baseline in the same run and prints ratios; results go in bench/RESULTS.md.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const only = process.argv.slice(2);
const scripts = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs" && !f.startsWith("lib") && !f.startsWith("profile-"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== bench/${script}`);
  const r = spawnSync(process.execPath, [new URL(script, import.meta.url).pathname], {
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (r.status !== 0) {
    failed++;
    console.log(`bench/${script} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
