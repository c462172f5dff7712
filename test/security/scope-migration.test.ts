// The v1.1 scope migration: keys holding trade or admin gain manage (they could manage keys and webhooks before);
// read-only keys do not. Replays the migration's statement on rows shaped as before it.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { userToken } from "../helpers/http";
import { testEnv } from "../helpers/test-env";

const MIGRATION = "0006_revocations_and_manage_scope";

describe(`migration ${MIGRATION}`, () => {
  it("maps [read] → [read], [read,trade] → +manage, [admin] → +manage, [manage,…] unchanged", async () => {
    const statement = testEnv.TEST_MIGRATIONS.find((m) => m.name.startsWith(MIGRATION))!.queries.find((q) =>
      q.includes("json_insert"),
    )!;
    const { id } = await userToken();
    const cases: Array<[string[], string[]]> = [
      [["read"], ["read"]],
      [
        ["read", "trade"],
        ["read", "trade", "manage"],
      ],
      [["trade"], ["trade", "manage"]],
      [
        ["read", "trade", "admin"],
        ["read", "trade", "admin", "manage"],
      ],
      [
        ["read", "manage"],
        ["read", "manage"],
      ],
    ];
    for (const [i, [before]] of cases.entries())
      await env.DB.prepare(
        "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes) VALUES (?, ?, 'k', 'p', ?, ?)",
      )
        .bind(`key_mig${i}`, id, `hash-mig-${i}`, JSON.stringify(before))
        .run();
    await env.DB.prepare(statement).run();
    for (const [i, [, after]] of cases.entries()) {
      const row = await env.DB.prepare("SELECT scopes FROM api_keys WHERE id = ?")
        .bind(`key_mig${i}`)
        .first<{ scopes: string }>();
      expect(JSON.parse(row!.scopes)).toEqual(after);
    }
  });
});
