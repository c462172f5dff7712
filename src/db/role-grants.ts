// The only way a role changes: the statements `npm run admin -- grant|revoke <email>` runs through wrangler and the
// local seed runs through D1. Self-contained (no imports) so the operator script can load it with plain Node.

export type Role = "admin" | "user";

export interface Statement {
  sql: string;
  params: Array<string | number | null>;
}

/** Trimmed and lower-cased, as registration stores it. */
export const normalEmail = (email: string) => email.trim().toLowerCase();

/**
 * Sets the role of the live account with this email, writes the audit row (actor `operator`, or `seed`) and
 * revokes every session and key-derived session record of that user, so tokens minted under the old role
 * stop working within the revocation window. All statements are one D1 batch (atomic).
 * When no live account has this email, every statement changes nothing.
 */
export function roleChangeStatements(email: string, role: Role, actor = "operator", now = new Date()): Statement[] {
  const who = normalEmail(email);
  const at = now.toISOString();
  const user = "(SELECT id FROM users WHERE email = ?1 AND deleted_at IS NULL)";
  return [
    {
      sql: `INSERT INTO audit_log (actor, action, target, outcome, detail, created_at, updated_at)
            SELECT ?2, ?3, id, 'success', json_object('email', email, 'from', role, 'to', ?4), ?5, ?5
            FROM users WHERE email = ?1 AND deleted_at IS NULL`,
      params: [who, actor, role === "admin" ? "admin.grant" : "admin.revoke", role, at],
    },
    {
      sql: `UPDATE users SET role = ?2, updated_at = ?3 WHERE email = ?1 AND deleted_at IS NULL`,
      params: [who, role, at],
    },
    {
      // Each of the user's sessions gets a revocation record: its access tokens fail at the next check.
      sql: `INSERT OR IGNORE INTO revocations (subject, user_id, reason, created_at)
            SELECT DISTINCT family_id, user_id, 'role_change', ?2 FROM refresh_tokens
            WHERE user_id = ${user} AND revoked_at IS NULL`,
      params: [who, at],
    },
    {
      sql: `UPDATE refresh_tokens SET revoked_at = ?2, updated_at = ?2 WHERE user_id = ${user} AND revoked_at IS NULL`,
      params: [who, at],
    },
  ];
}

/** A SQLite literal: strings single-quoted with quotes doubled (SQLite has no backslash escapes). */
function literal(value: string | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("not a finite number");
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** Inlines `?N` parameters, for `wrangler d1 execute --file` (which takes no bound parameters). */
export function toSqlScript(statements: Statement[]): string {
  return statements
    .map(
      (s) =>
        `${s.sql.replace(/\?(\d+)/g, (_, n: string) => {
          const v = s.params[Number(n) - 1];
          if (v === undefined) throw new Error(`missing parameter ?${n}`);
          return literal(v);
        })};`,
    )
    .join("\n");
}

/** Runs the role change against a D1 binding (the local seed, tests); true when a live account had this email. */
export async function changeRole(d1: D1Database, email: string, role: Role, actor = "operator"): Promise<boolean> {
  const results = await d1.batch(
    roleChangeStatements(email, role, actor).map((s) => d1.prepare(s.sql).bind(...s.params)),
  );
  return (results[1]?.meta.changes ?? 0) === 1;
}
