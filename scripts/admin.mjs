// `npm run admin -- grant|revoke <email> [--remote]`: the only way to make (or unmake) an admin. Runs the
// statements of src/db/role-grants.ts through `wrangler d1 execute` (local D1 by default) and writes an audit row.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { normalEmail, roleChangeStatements, toSqlScript } from "../src/db/role-grants.ts";

const args = process.argv.slice(2);
const remote = args.includes("--remote");
const [command, email] = args.filter((a) => a !== "--remote");
if ((command !== "grant" && command !== "revoke") || !email) {
  console.error("usage: npm run admin -- grant|revoke <email> [--remote]");
  process.exit(2);
}
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const where = remote ? "--remote" : "--local";

function wrangler(extra) {
  const r = spawnSync("npx", ["wrangler", "d1", "execute", "DB", where, "--json", "--yes", ...extra], {
    env,
    encoding: "utf8",
  });
  if (r.status !== 0) {
    console.error(r.stderr || r.stdout);
    process.exit(r.status ?? 1);
  }
  return JSON.parse(r.stdout);
}

const who = normalEmail(email);
const lookup = wrangler([
  "--command",
  toSqlScript([{ sql: "SELECT id, role FROM users WHERE email = ?1 AND deleted_at IS NULL", params: [who] }]),
]);
const user = lookup[0]?.results?.[0];
if (!user) {
  console.error(`no account with the email ${who} (${remote ? "remote" : "local"} D1); register it first`);
  process.exit(1);
}

const dir = mkdtempSync(path.join(tmpdir(), "edgeindex-admin-"));
try {
  const file = path.join(dir, "role.sql");
  writeFileSync(file, toSqlScript(roleChangeStatements(who, command === "grant" ? "admin" : "user")));
  wrangler(["--file", file]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `${who} (${user.id}): role ${user.role} -> ${command === "grant" ? "admin" : "user"}; its sessions are revoked; audit row written`,
);
