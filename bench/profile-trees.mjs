// Same-run A/B of source trees: starts `wrangler dev` (seeded) on each tree given, logs in, and measures workerd CPU
// per request (user + system time of its workerd processes over each load ÷ requests) and throughput on cached
// reads, in alternating rounds so drift hits every tree alike. Not part of `npm run bench` (a `profile-*` tool).
//
//   git worktree add --detach /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
//   PATH=$PWD/node_modules/node/bin:$PATH node bench/profile-trees.mjs /tmp/before . '.@SERVER_TIMING=false'
//
// A tree may carry `@NAME=value` vars for its server. Knobs: ROUNDS (5), REQUESTS (3000 per route and round, 16 in
// flight), ROUTES (comma-separated paths, each starting with "/"), PORT (first port, 8920; each tree takes 3).
import { killSpawned, load, processCpuMs, startDev, workerdOf } from "./lib.mjs";

const trees = process.argv.slice(2);
if (!trees.length) throw new Error("usage: node bench/profile-trees.mjs <tree>[@VAR=value...] ...");
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const REQUESTS = Number(process.env.REQUESTS ?? 3000);
const ROUTES = (process.env.ROUTES ?? "/v1/quotes?symbols=AAPL,MSFT,NVDA,/health")
  .split(",/")
  .map((p, i) => (i ? `/${p}` : p));
// As bench/api.mjs: quotes change once a minute (production's quotes cron), not every second.
const vars = { RATE_LIMIT_USER_PER_MINUTE: "1000000", ACCESS_TOKEN_TTL_SECONDS: "86400", SYNTHETIC_TICK_MS: "60000" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sides = [];
let port = Number(process.env.PORT ?? 8920);
try {
  for (const spec of trees) {
    const [dir, ...extra] = spec.split("@");
    process.chdir(dir); // startDev runs wrangler in the current directory
    const server = await startDev({
      port,
      seed: true,
      vars: { ...vars, ...Object.fromEntries(extra.map((kv) => kv.split("="))) },
    });
    port += 3;
    const res = await fetch(`${server.base}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }),
    });
    const login = await res.json();
    if (!login.access_token) throw new Error(`${spec}: login answered ${res.status}`);
    sides.push({
      spec,
      base: server.base,
      workerd: workerdOf(server.pid),
      auth: { authorization: `Bearer ${login.access_token}` },
    });
  }
  const samples = new Map();
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of r % 2 ? [...sides].reverse() : sides) {
      for (const path of ROUTES) {
        await load(`${side.base}${path}`, side.auth, 300, 16); // warm
        const before = processCpuMs(side.workerd);
        const out = await load(`${side.base}${path}`, side.auth, REQUESTS, 16);
        const cpuUs = ((processCpuMs(side.workerd) - before) * 1000) / REQUESTS;
        const key = `${side.spec} ${path}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push({ cpuUs, rps: out.rps, statuses: out.statuses });
      }
    }
  }
  console.log(`${ROUNDS} rounds × ${REQUESTS} requests at 16 in flight per tree and route; medians (rounds in order)`);
  for (const [key, xs] of samples) {
    const cpu = xs.map((x) => x.cpuUs);
    console.log(
      `${key.padEnd(60)} CPU ${median(cpu).toFixed(0).padStart(5)} µs/req  ${median(xs.map((x) => x.rps))
        .toFixed(0)
        .padStart(4)} req/s  (${cpu.map((c) => c.toFixed(0)).join(" ")})  ${JSON.stringify(xs[0].statuses)}`,
    );
  }
} finally {
  await killSpawned();
}
