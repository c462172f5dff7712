// The printable report of an index's ready version: gathers its levels, benchmark, weights, risk shares,
// metrics, insights and methodology, and lets the domain draw the page.
import type { Config } from "../config";
import { readVersion } from "../db/index-versions";
import { methodologyMarkdown } from "../domain/methodology-text";
import { reportHtml } from "../domain/report-page";
import { indexMetrics, loadOwnedIndex, publicIndex, readyVersionOf } from "./index-reads";
import { insightInputs, insightsOf } from "./insights";

const PERCENT_METRICS =
  /return|cagr|volatility|drawdown$|var_|alpha|tracking_error|turnover|capture|best_day|worst_day|hit_rate/;

const label = (key: string) => (key.charAt(0).toUpperCase() + key.slice(1)).replace(/_/g, " ");

/** The metrics route's answer as table rows: ratios as percentages, the rest to 2 decimals, dates as they are. */
function metricRows(metrics: Record<string, unknown>) {
  return Object.entries(metrics)
    .filter(([, v]) => typeof v === "number" || typeof v === "string")
    .map(([k, v]) => ({
      label: label(k),
      value:
        typeof v === "string"
          ? v
          : PERCENT_METRICS.test(k)
            ? `${(Math.round((v as number) * 10000) / 100).toFixed(2)}%`
            : (v as number).toFixed(2),
    }));
}

/** Markdown methodology → its lines, without list markers or code ticks. */
function methodologyLines(markdown: string): string[] {
  return markdown
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => l.replace(/^- /, "").replace(/`/g, ""));
}

/** The caller's index's report as HTML (404 for anyone else's, 409 before the first build). */
export async function ownedIndexReport(env: Env, cfg: Config, ownerId: string, id: string): Promise<string> {
  const row = await loadOwnedIndex(env.DB, ownerId, id);
  const version = readyVersionOf(row);
  const input = await insightInputs(env.DB, cfg, row, version);
  const [metrics, insights, recorded] = await Promise.all([
    indexMetrics(env.DB, cfg, row, version, "all"),
    insightsOf(env, cfg, row, version, input),
    readVersion(env.DB, row.id, version),
  ]);
  const view = publicIndex(row);
  return reportHtml({
    index: {
      id: view.id,
      name: view.name,
      version,
      weighting: view.weighting,
      rebalance: view.rebalance,
      constituents: view.constituents,
      base_date: view.base_date,
      base_value: view.base_value,
      benchmark: view.benchmark,
      built_at: view.built_at,
      // The version's own record, as GET /v1/indexes/{id}/versions lists it.
      methodology_hash: recorded?.methodology_hash ?? null,
      data_as_of: recorded?.data_as_of ?? null,
    },
    levels: input.levels,
    benchmark: input.benchmark,
    weights: Object.entries(input.allocation?.weights ?? {})
      .map(([symbol, weight]) => ({ symbol, weight }))
      .sort((a, b) => b.weight - a.weight || a.symbol.localeCompare(b.symbol)),
    weightsDate: input.allocation?.date ?? null,
    risk: input.risk ? [...input.risk.shares].sort((a, b) => b.contribution_pct - a.contribution_pct) : null,
    metrics: metricRows(metrics as unknown as Record<string, unknown>),
    insights: insights.items,
    methodology: methodologyLines(methodologyMarkdown({ ...view, version })),
  });
}
