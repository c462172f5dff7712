// Cost of the distributed rate limiter: an authenticated GET with the limiter on vs off (same run), plus denied traffic.
// `node bench/rate-limit.mjs` starts two throwaway `wrangler dev` instances (limiter on / RATE_LIMIT_ENABLED=false);
// BASE_URL_ON and BASE_URL_OFF reuse running ones. REQUESTS, CONCURRENCY and ROUNDS tune the load.
import { fmt, load, startDev } from "./lib.mjs";

const REQUESTS = Number(process.env.REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PATH = "/v1/me";

async function session(base) {
  const email = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const res = await fetch(`${base}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "bench-password-123456" }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`register on ${base} answered ${res.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

const started = [];
try {
  // Limits high enough that the measured user is never refused: what is measured is the check itself.
  const common = { RATE_LIMIT_USER_PER_MINUTE: "1000000", RATE_LIMIT_ANON_PER_MINUTE: "10" };
  let on = process.env.BASE_URL_ON;
  let off = process.env.BASE_URL_OFF;
  if (!on || !off) {
    const port = Number(process.env.PORT ?? 8790);
    // One after the other: two builds at once can outlast startDev's wait on a small machine.
    const a = await startDev({ port, vars: { ...common, RATE_LIMIT_ENABLED: "true" } });
    started.push(a);
    const b = await startDev({ port: port + 1, vars: { ...common, RATE_LIMIT_ENABLED: "false" } });
    started.push(b);
    on = a.base;
    off = b.base;
  }
  const [tokenOn, tokenOff] = await Promise.all([session(on), session(off)]);
  const auth = (t) => ({ authorization: `Bearer ${t}` });

  // Warm both isolates, D1 and the limiter object.
  await load(`${on}${PATH}`, auth(tokenOn), 300, CONCURRENCY);
  await load(`${off}${PATH}`, auth(tokenOff), 300, CONCURRENCY);

  const runs = { on: [], off: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first so drift (GC, thermal, disk) does not favour one side.
    const order = r % 2 ? ["off", "on"] : ["on", "off"];
    for (const side of order) {
      const base = side === "on" ? on : off;
      runs[side].push(await load(`${base}${PATH}`, auth(side === "on" ? tokenOn : tokenOff), REQUESTS, CONCURRENCY));
    }
  }
  const best = (list, key, pick) => list.map((x) => x[key]).reduce((a, b) => pick(a, b));
  const median = (list, key) => list.map((x) => x[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const row = (name, list) => ({
    name,
    p50: median(list, "p50"),
    p99: median(list, "p99"),
    rps: median(list, "rps"),
    bestRps: best(list, "rps", Math.max),
    statuses: list.map((x) => JSON.stringify(x.statuses)).join(" "),
  });
  const a = row("limiter on ", runs.on);
  const b = row("limiter off", runs.off);

  // Denied traffic: anonymous from one IP past its tiny limit is answered from the isolate's memory.
  const denied = await load(`${on}${PATH}`, {}, REQUESTS, CONCURRENCY);

  console.log(
    `GET ${PATH} (authenticated), ${REQUESTS} requests × ${ROUNDS} rounds, concurrency ${CONCURRENCY}; medians of rounds`,
  );
  for (const r of [a, b]) {
    console.log(
      `${r.name}  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  ${fmt(r.rps, 0)} req/s (best ${fmt(r.bestRps, 0)})  ${r.statuses}`,
    );
  }
  console.log(
    `ratio on/off  p50 ×${fmt(a.p50 / b.p50)}  p99 ×${fmt(a.p99 / b.p99)}  throughput ×${fmt(a.rps / b.rps)}`,
  );
  console.log(
    `denied (anonymous past limit 10/min, local "denied until")  p50 ${fmt(denied.p50)} ms  p99 ${fmt(denied.p99)} ms  ${fmt(denied.rps, 0)} req/s  ${JSON.stringify(denied.statuses)}`,
  );
} finally {
  for (const s of started) s.stop();
}
