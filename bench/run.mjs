// `npm run bench`: runs every bench/*.mjs (except this file, the libraries lib.mjs and worker-memory.mjs, and the
// profile-* tools) in turn and prints their output.
// Each script measures against a baseline in the same run and prints ratios; results go in bench/RESULTS.md.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";

/** Modules other scripts import (worker-memory.mjs is the soak's memory probe): nothing to run on their own. */
const LIBRARIES = new Set(["run.mjs", "lib.mjs", "worker-memory.mjs"]);
const only = process.argv.slice(2);
const scripts = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".mjs") && !LIBRARIES.has(f) && !f.startsWith("profile-"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
/** Every line a bench prints about a goal (with its ✓/✗ or met/not met), repeated at the end as one summary. */
const goals = [];
for (const script of scripts) {
  console.log(`\n=== bench/${script}`);
  const status = await new Promise((resolve) => {
    const child = spawn(process.execPath, [new URL(script, import.meta.url).pathname], {
      stdio: ["inherit", "pipe", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    let pending = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (/\bgoals?\b|✓|✗/i.test(line)) goals.push(`${script}: ${line.trim()}`);
    });
    child.on("close", (code) => resolve(code));
  });
  if (status !== 0) {
    failed++;
    console.log(`bench/${script} exited with ${status}`);
  }
}
console.log(`\n=== goals (every line above that names one)\n${goals.join("\n")}`);
process.exit(failed ? 1 : 0);
