// Index versions: one row per build with its reason, definition, methodology hash and data instant.
import type { StoredDefinitionShape } from "../domain/methodology";

export type VersionReason = "created" | "changed" | "rebuild" | "corporate_action" | "data_revised";
export type VersionStatus = "building" | "ready" | "failed" | "superseded";

export interface VersionRow {
  version: number;
  status: VersionStatus;
  reason: VersionReason;
  created_at: string;
  methodology_hash: string | null;
  data_as_of: string | null;
  definition: StoredDefinitionShape;
  metadata: Record<string, unknown> | null;
  failure_reason: string | null;
}

/** Records a requested version; a retried request for the same (index, version) changes nothing. */
export function insertVersionStatement(
  db: D1Database,
  v: { indexId: string; version: number; reason: VersionReason; definition: unknown; dataAsOf?: string | null },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO index_versions (index_id, version, reason, status, definition, data_as_of)
       VALUES (?1, ?2, ?3, 'building', ?4, ?5) ON CONFLICT (index_id, version) DO NOTHING`,
    )
    .bind(v.indexId, v.version, v.reason, JSON.stringify(v.definition), v.dataAsOf ?? null);
}

/** A version's final state; every version older than a ready one that is still building is superseded. */
export function finishVersionStatements(
  db: D1Database,
  indexId: string,
  version: number,
  f: {
    status: "ready" | "failed" | "superseded";
    methodologyHash?: string;
    dataAsOf?: string;
    metadata?: unknown;
    reason?: string;
  },
): D1PreparedStatement[] {
  const out = [
    db
      .prepare(
        `UPDATE index_versions SET status = ?3, methodology_hash = COALESCE(?4, methodology_hash),
           data_as_of = COALESCE(?5, data_as_of), metadata = COALESCE(?6, metadata), failure_reason = ?7,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
         WHERE index_id = ?1 AND version = ?2`,
      )
      .bind(
        indexId,
        version,
        f.status,
        f.methodologyHash ?? null,
        f.dataAsOf ?? null,
        f.metadata === undefined ? null : JSON.stringify(f.metadata),
        f.reason?.slice(0, 1000) ?? null,
      ),
  ];
  if (f.status === "ready") {
    out.push(
      db
        .prepare(
          `UPDATE index_versions SET status = 'superseded', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
           WHERE index_id = ?1 AND version < ?2 AND status = 'building'`,
        )
        .bind(indexId, version),
    );
  }
  return out;
}

type StoredVersion = Omit<VersionRow, "definition" | "metadata"> & { definition: string; metadata: string | null };
const parse = (r: StoredVersion): VersionRow => ({
  ...r,
  definition: JSON.parse(r.definition),
  metadata: r.metadata === null ? null : JSON.parse(r.metadata),
});

/** Versions newest first after the keyset position; limit + 1 rows. */
export async function listVersions(db: D1Database, indexId: string, before: number | undefined, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT version, status, reason, created_at, methodology_hash, data_as_of, definition, failure_reason, metadata
       FROM index_versions WHERE index_id = ?1 AND (?2 IS NULL OR version < ?2) ORDER BY version DESC LIMIT ?3`,
    )
    .bind(indexId, before ?? null, limit + 1)
    .all<StoredVersion>();
  return results.map(parse);
}

export async function readVersion(db: D1Database, indexId: string, version: number): Promise<VersionRow | null> {
  const r = await db
    .prepare(
      `SELECT version, status, reason, created_at, methodology_hash, data_as_of, definition, failure_reason, metadata
       FROM index_versions WHERE index_id = ?1 AND version = ?2`,
    )
    .bind(indexId, version)
    .first<StoredVersion>();
  return r ? parse(r) : null;
}

/**
 * Indexes (not deleted) that hold one of the assets as a constituent or benchmark and whose newest version
 * was requested before the asset's corporate actions or bars last changed: the ones a refresh must re-version.
 * Comparing against the newest version's request time is what makes a redelivered refresh a no-op.
 */
export async function indexesStaleAfterRefresh(
  db: D1Database,
  assetIds: number[],
): Promise<Array<{ id: string; reason: "corporate_action" | "data_revised" }>> {
  if (assetIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `WITH changed AS (SELECT id, symbol FROM assets WHERE id IN (SELECT value FROM json_each(?1))),
       latest AS (SELECT i.id, i.definition, (SELECT MAX(v.created_at) FROM index_versions v WHERE v.index_id = i.id) AS requested
                  FROM indexes i WHERE i.deleted_at IS NULL)
       SELECT l.id,
         MAX(EXISTS (SELECT 1 FROM corporate_actions ca WHERE ca.asset_id = c.id AND ca.updated_at > l.requested)) AS actions,
         MAX(EXISTS (SELECT 1 FROM prices p WHERE p.asset_id = c.id AND p.superseded_at > l.requested)) AS revised
       FROM latest l JOIN changed c
         ON c.symbol IN (SELECT value FROM json_each(l.definition, '$.constituents')) OR c.symbol = json_extract(l.definition, '$.benchmark')
       WHERE l.requested IS NOT NULL
       GROUP BY l.id`,
    )
    .bind(JSON.stringify(assetIds))
    .all<{ id: string; actions: number; revised: number }>();
  return results
    .filter((r) => r.actions || r.revised)
    .map((r) => ({ id: r.id, reason: r.actions ? "corporate_action" : "data_revised" }));
}
