// `npm run deploy:setup`: the first deploy's Cloudflare resources, created once and idempotently (README "Production").
// D1 database and KV namespace (their ids written into wrangler.toml), the three queues (dead-letter first: a
// consumer may only name a queue that exists), the secrets, the remote migrations, then `wrangler deploy --dry-run`.
//   npm run deploy:setup -- --admin you@example.com [--plan basic|grow|pro|ultra|enterprise] [--dry-run]
// TWELVEDATA_API_KEY (and optionally JWT_SECRET) are read from the environment, never from arguments.
// --dry-run prints every command that needs an account and runs only the offline `wrangler deploy --dry-run`.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { SITE_CONFIG } from "./local-settings.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const dryRun = flag("dry-run");
const admin = option("admin");
const plan = option("plan");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

const DATABASE = "edgeindex";
const KV_TITLE = "edgeindex-cache";
const QUEUES = ["edgeindex-dlq", "edgeindex-jobs", "edgeindex-webhooks"];
const PLANS = ["basic", "grow", "pro", "ultra", "enterprise"];

function wrangler(list, { input, allowFail = false, quiet = false } = {}) {
  if (!quiet) console.log(`$ npx wrangler ${list.join(" ")}`);
  const r = spawnSync("npx", ["wrangler", ...list], { env, input, encoding: "utf8" });
  if (r.status !== 0 && !allowFail) {
    process.stderr.write(r.stdout + r.stderr);
    console.error(`[deploy:setup] failed: wrangler ${list[0]} ${list[1] ?? ""}`);
    process.exit(r.status ?? 1);
  }
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** The first JSON array in wrangler's output (it may print a banner first). */
function jsonArray(text) {
  const start = text.indexOf("[");
  return start >= 0 ? JSON.parse(text.slice(start, text.lastIndexOf("]") + 1)) : [];
}

function step(title, commands) {
  console.log(`\n[deploy:setup] ${title}`);
  if (dryRun) for (const c of commands) console.log(`  would run: npx wrangler ${c}`);
  return !dryRun;
}

let toml = readFileSync("wrangler.toml", "utf8");
const setInBlock = (header, key, value) => {
  // Sets `key = "value"` inside the first [[header]] block, replacing an existing line or adding one after it.
  const at = toml.indexOf(`[[${header}]]`);
  if (at < 0) throw new Error(`wrangler.toml has no [[${header}]] block`);
  const end = toml.indexOf("\n[", at + 2);
  const block = toml.slice(at, end < 0 ? undefined : end);
  const line = `${key} = "${value}"`;
  const next = new RegExp(`^${key} = .*$`, "m").test(block)
    ? block.replace(new RegExp(`^${key} = .*$`, "m"), line)
    : block.replace(`[[${header}]]\n`, `[[${header}]]\n${line}\n`);
  toml = toml.slice(0, at) + next + (end < 0 ? "" : toml.slice(end));
};
const setVar = (key, value) => {
  toml = toml.replace(new RegExp(`^${key} = .*$`, "m"), `${key} = "${value}"`);
};

if (plan && !PLANS.includes(plan)) {
  console.error(`[deploy:setup] --plan must be one of ${PLANS.join(", ")}`);
  process.exit(2);
}

if (step("1. Cloudflare login", ["whoami"])) {
  const who = wrangler(["whoami"], { allowFail: true });
  if (!who.ok || /not authenticated/i.test(who.out)) {
    console.error("[deploy:setup] not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) first");
    process.exit(1);
  }
}

if (step(`2. D1 database "${DATABASE}"`, ["d1 list --json", `d1 create ${DATABASE}`])) {
  const find = () =>
    jsonArray(wrangler(["d1", "list", "--json"], { quiet: true }).out).find((d) => d.name === DATABASE);
  if (!find()) wrangler(["d1", "create", DATABASE]);
  const db = find();
  if (!db?.uuid) throw new Error(`D1 database ${DATABASE} not found after creating it`);
  setInBlock("d1_databases", "database_id", db.uuid);
  console.log(`  database_id = ${db.uuid}`);
}

if (step(`3. KV namespace "${KV_TITLE}"`, ["kv namespace list", `kv namespace create ${KV_TITLE}`])) {
  const find = () =>
    jsonArray(wrangler(["kv", "namespace", "list"], { quiet: true }).out).find((n) => n.title === KV_TITLE);
  if (!find()) wrangler(["kv", "namespace", "create", KV_TITLE]);
  const ns = find();
  if (!ns?.id) throw new Error(`KV namespace ${KV_TITLE} not found after creating it`);
  setInBlock("kv_namespaces", "id", ns.id);
  console.log(`  id = ${ns.id}`);
}

// No configuration makes an admin (a listed address could be registered by anyone first): the operator
// grants the role after the owner registered, with `npm run admin -- grant <email> --remote`.
if (plan) setVar("TWELVEDATA_PLAN", plan);
if (!dryRun) writeFileSync("wrangler.toml", toml);
else if (plan) console.log(`\n[deploy:setup] would set TWELVEDATA_PLAN=${plan}`);
if (admin)
  console.log(
    `\n[deploy:setup] after ${admin} has registered, make it an admin: npm run admin -- grant ${admin.toLowerCase()} --remote`,
  );

if (
  step(
    "4. Queues (dead-letter first)",
    QUEUES.map((q) => `queues create ${q}`),
  )
) {
  for (const q of QUEUES) {
    const r = wrangler(["queues", "create", q], { allowFail: true });
    if (!r.ok && !/already (exists|taken)/i.test(r.out)) {
      process.stderr.write(r.out);
      process.exit(1);
    }
  }
}

if (step("5. Secrets", ["secret put JWT_SECRET", "secret put TWELVEDATA_API_KEY"])) {
  // 48 random bytes: well past the 32-character minimum, and never the example value.
  const jwt = process.env.JWT_SECRET ?? randomBytes(48).toString("base64url");
  wrangler(["secret", "put", "JWT_SECRET"], { input: jwt });
  if (process.env.TWELVEDATA_API_KEY) {
    wrangler(["secret", "put", "TWELVEDATA_API_KEY"], { input: process.env.TWELVEDATA_API_KEY });
  } else {
    console.warn(
      "  TWELVEDATA_API_KEY is not set: production will refuse to refresh (no synthetic prices) until it is;" +
        " set it with `npx wrangler secret put TWELVEDATA_API_KEY`",
    );
  }
}

if (step("6. Remote migrations", [`d1 migrations apply DB --remote`])) {
  wrangler(["d1", "migrations", "apply", "DB", "--remote"], { input: "y\n" });
}

console.log(
  "\n[deploy:setup] 7. Bundle check (offline): the API Worker and the assets-only Worker its ASSETS binding names",
);
wrangler(["deploy", "--dry-run", "--outdir", ".wrangler/dist"]);
wrangler(["deploy", "--dry-run", "-c", SITE_CONFIG, "--outdir", ".wrangler/dist-site"]);
console.log(
  dryRun
    ? "\n[deploy:setup] dry run done: nothing was created. Run again without --dry-run once logged in."
    : "\n[deploy:setup] done. Next: `npm run deploy`, then register the admin account (README, Production).",
);
