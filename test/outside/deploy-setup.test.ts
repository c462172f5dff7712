// `npm run deploy:setup -- --dry-run`, run as the README's production section says: every command that needs an
// account is listed in order (D1, KV, the three queues dead-letter first, the secrets, the remote migrations),
// nothing is written, no setting makes an admin, and the offline bundle check really runs.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;

function setup(...args: string[]) {
  const r = spawnSync(process.execPath, ["scripts/deploy-setup.mjs", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", TWELVEDATA_API_KEY: "", JWT_SECRET: "" },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("npm run deploy:setup -- --dry-run", () => {
  it("lists every account step in order, writes nothing and bundles the Worker", () => {
    const before = readFileSync(`${root}wrangler.toml`, "utf8");
    const { status, out } = setup("--dry-run", "--plan", "grow", "--admin", "Owner@Example.dev");
    expect(status, out).toBe(0);
    const steps = [
      "would run: npx wrangler whoami",
      "would run: npx wrangler d1 create edgeindex",
      "would run: npx wrangler kv namespace create edgeindex-cache",
      "would run: npx wrangler queues create edgeindex-dlq",
      "would run: npx wrangler queues create edgeindex-jobs",
      "would run: npx wrangler queues create edgeindex-webhooks",
      "would run: npx wrangler secret put JWT_SECRET",
      "would run: npx wrangler secret put TWELVEDATA_API_KEY",
      "would run: npx wrangler d1 migrations apply DB --remote",
    ];
    let at = -1;
    for (const s of steps) {
      const next = out.indexOf(s);
      expect(next, `missing or out of order: ${s}`).toBeGreaterThan(at);
      at = next;
    }
    expect(out).toContain("would set TWELVEDATA_PLAN=grow");
    // The admin is granted after the owner registered, never by a setting a stranger could register first.
    expect(out).toContain("npm run admin -- grant owner@example.dev --remote");
    expect(out).not.toMatch(/ADMIN_EMAILS/);
    expect(out).toContain("$ npx wrangler deploy --dry-run --outdir");
    // The assets-only Worker the API Worker's ASSETS binding names is bundled too (it is deployed first).
    expect(out).toContain("$ npx wrangler deploy --dry-run -c site/wrangler.toml");
    expect(out).toContain("dry run done: nothing was created");
    expect(readFileSync(`${root}wrangler.toml`, "utf8")).toBe(before);
  });

  it("refuses an unknown plan before doing anything", () => {
    const { status, out } = setup("--dry-run", "--plan", "free-forever");
    expect(status).toBe(2);
    expect(out).toContain("--plan must be one of basic, grow, pro, ultra, enterprise");
    expect(out).not.toContain("would run:");
  });
});
