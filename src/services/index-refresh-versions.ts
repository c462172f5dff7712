// After a refresh: a new version of every index whose constituent or benchmark had a corporate action or a revised bar.
import { indexesStaleAfterRefresh } from "../db/index-versions";
import { requestVersion } from "./index-definitions";

/**
 * Requests one version per stale index (reason `corporate_action` when an action changed, else
 * `data_revised`); its build job emits `index.ready`. Returns the index ids re-versioned.
 */
export async function versionIndexesAfterRefresh(env: Env, assetIds: number[]): Promise<string[]> {
  const stale = await indexesStaleAfterRefresh(env.DB, assetIds);
  const done: string[] = [];
  for (const { id, reason } of stale) {
    if (await requestVersion(env, id, null, {}, { reason })) done.push(id);
  }
  return done;
}
