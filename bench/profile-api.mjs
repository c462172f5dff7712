// CPU profile of the Worker under a burst of cached reads: `wrangler dev --inspector-port`, then the DevTools
// protocol's Profiler.start/stop around the burst; prints the self time per function (top 40) and per source file,
// and writes the .cpuprofile to bench/.out/ (open it in Chrome DevTools). Not part of `npm run bench`.
// Knobs: PORT (default 8811; the inspector is PORT + 2), PROFILE_PATH (default quotes), REQUESTS, CONCURRENCY.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killSpawned, load, startDev } from "./lib.mjs";

process.chdir(new URL("..", import.meta.url).pathname);
const PORT = Number(process.env.PORT ?? 8811);
const INSPECTOR = PORT + 2;
const REQUESTS = Number(process.env.REQUESTS ?? 1500);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);

async function inspector() {
  for (let i = 0; i < 60; i++) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${INSPECTOR}/json/list`)).json();
      const target = list.find((t) => t.webSocketDebuggerUrl && !/devtools|internal/i.test(t.title ?? ""));
      if (target) return target.webSocketDebuggerUrl;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("no inspector target");
}

/** One DevTools session; wrangler's inspector proxy wants an Origin and renumbers ids, so one call at a time. */
function cdp(url) {
  const ws = new WebSocket(url, { headers: { origin: "http://127.0.0.1" } });
  let waiting;
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id !== undefined && waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(msg);
    }
  };
  const opened = new Promise((r) => {
    ws.onopen = r;
  });
  let id = 0;
  return {
    opened,
    send: (method, params = {}) =>
      new Promise((resolve) => {
        waiting = resolve;
        ws.send(JSON.stringify({ id: ++id, method, params }));
      }),
    close: () => ws.close(),
  };
}

try {
  const app = await startDev({
    port: PORT,
    seed: true,
    vars: { RATE_LIMIT_USER_PER_MINUTE: "1000000", ACCESS_TOKEN_TTL_SECONDS: "86400", SYNTHETIC_TICK_MS: "60000" },
    inspectorPort: INSPECTOR,
  });
  const login = await (
    await fetch(`${app.base}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }),
    })
  ).json();
  const auth = { authorization: `Bearer ${login.access_token}` };
  const paths = {
    health: "/health",
    quotes: "/v1/quotes?symbols=AAPL,MSFT,NVDA",
    prices: "/v1/assets/AAPL/prices?limit=250",
    assets: "/v1/assets?limit=50",
  };
  const path = paths[process.env.PROFILE_PATH ?? "quotes"] ?? process.env.PROFILE_PATH;
  const url = `${app.base}${path}`;
  await load(url, auth, 200, CONCURRENCY); // warm: caches filled, code optimised

  const session = cdp(await inspector());
  await session.opened;
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 100 });
  await session.send("Profiler.start");
  const started = performance.now();
  const result = await load(url, auth, REQUESTS, CONCURRENCY);
  const seconds = (performance.now() - started) / 1000;
  const { result: profileResult } = await session.send("Profiler.stop");
  session.close();
  const profile = profileResult.profile;

  const outDir = new URL(".out/", import.meta.url).pathname;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `api-${process.env.PROFILE_PATH ?? "quotes"}-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));

  // Self time per node from the samples' time deltas.
  const selfUs = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byFile = new Map();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id).callFrame;
    const fileName = (cf.url || "(native)").replace(/^.*\//, "");
    const name = `${cf.functionName || "(anonymous)"} ${fileName}:${cf.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byFile.set(fileName, (byFile.get(fileName) ?? 0) + us);
  }
  const ok = result.statuses?.[200] ?? 0;
  console.log(`${path}: ${REQUESTS} requests, ${CONCURRENCY} in flight, ${(REQUESTS / seconds).toFixed(0)} req/s`);
  console.log(
    `profile: ${(total / 1000).toFixed(0)} ms sampled in the isolate, ${(total / REQUESTS).toFixed(0)} µs per request (${ok} ok); ${file}`,
  );
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, us]) =>
          `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / REQUESTS).toFixed(1).padStart(6)} µs/req  ${k}`,
      )
      .join("\n");
  console.log("self time by function:\n" + top(byFunction, 40));
  console.log("self time by file:\n" + top(byFile, 15));
  app.stop();
} finally {
  await killSpawned();
}
