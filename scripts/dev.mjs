// `npm run dev`: local config, migrations, then wrangler dev on 127.0.0.1 (PORT overrides 8787), fully offline.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

const port = process.env.PORT ?? "8787";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("[dev] created .dev.vars from .dev.vars.example (local-only settings)");
}

const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], { stdio: "inherit", env });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, ...process.argv.slice(2)], {
  stdio: "inherit",
  env,
});

// Warm the server once it listens: the first /v1 request seeds an empty database; doing it here means
// the first real request is fast and the seed summary appears in this terminal.
const base = `http://127.0.0.1:${port}`;
(async () => {
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) {
        const ready = await fetch(`${base}/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }),
        });
        await ready.body?.cancel();
        console.log(
          `[dev] edgeindex is ready on ${base} (docs: ${base}/docs, demo: demo@edgeindex.dev / edgeindex-demo-pass)`,
        );
        return;
      }
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
  }
})();

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    dev.kill(signal);
  });
}
dev.on("exit", (code) => process.exit(code ?? 0));
