// `npm run dev`: local config, migrations, then wrangler dev on 127.0.0.1 (PORT overrides 8787), fully offline.
// Prints one ready line; wrangler's own output goes to .wrangler/dev.log (`npm run dev -- --verbose` prints it).
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { devConfigArgs, ensureDevVars } from "./local-settings.mjs";

const verbose = process.argv.includes("--verbose") || process.env.DEV_VERBOSE === "1";
const passThrough = process.argv.slice(2).filter((a) => a !== "--verbose");
const port = process.env.PORT ?? "8787";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
mkdirSync(".wrangler", { recursive: true });
const logPath = ".wrangler/dev.log";
const log = createWriteStream(logPath, { flags: "w" });

const { created } = ensureDevVars();
if (created) log.write("[dev] created .dev.vars from .dev.vars.example (local-only settings)\n");

const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], {
  env: { ...env, CI: "1" }, // no interactive prompt, no colour boxes
  encoding: "utf8",
});
log.write(migrate.stdout ?? "");
log.write(migrate.stderr ?? "");
if (migrate.status !== 0) {
  process.stderr.write(`${migrate.stdout}\n${migrate.stderr}\n[dev] applying the migrations failed\n`);
  process.exit(migrate.status ?? 1);
}
if (verbose) process.stdout.write(migrate.stdout ?? "");

// Both Workers in one wrangler dev: the API Worker and the assets-only one behind its ASSETS binding.
const dev = spawn("npx", ["wrangler", "dev", ...devConfigArgs(), "--ip", "127.0.0.1", "--port", port, ...passThrough], {
  stdio: ["inherit", "pipe", "pipe"],
  env,
});
// Everything wrangler and the Worker print is kept in the log; it reaches the terminal only with --verbose.
const tail = [];
for (const stream of [dev.stdout, dev.stderr]) {
  stream.on("data", (chunk) => {
    log.write(chunk);
    if (verbose) process.stdout.write(chunk);
    tail.push(chunk.toString());
    if (tail.length > 60) tail.shift();
  });
}

// Warm the server once it listens: the first /v1 request seeds an empty database; doing it here means
// the first real request is fast and the ready line appears only when the demo data is there.
const base = `http://127.0.0.1:${port}`;
(async () => {
  for (let i = 0; i < 240; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const res = await fetch(`${base}/health`);
      await res.body?.cancel();
      if (!res.ok) continue;
      const ready = await fetch(`${base}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }),
      });
      await ready.body?.cancel();
      console.log(
        `edgeindex ready: dashboard ${base}/  docs ${base}/docs  api ${base}/v1  (demo@edgeindex.dev / edgeindex-demo-pass; logs ${logPath}${verbose ? "" : ", --verbose to print"})`,
      );
      return;
    } catch {
      // not listening yet
    }
  }
  console.error(`[dev] no answer from ${base}/health after 120 s; the last lines of ${logPath}:\n${tail.join("")}`);
})();

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    dev.kill(signal);
  });
}
dev.on("exit", (code) => {
  if (code && !verbose)
    process.stderr.write(`[dev] wrangler exited with ${code}; the last lines of ${logPath}:\n${tail.join("")}`);
  log.end();
  process.exit(code ?? 0);
});
