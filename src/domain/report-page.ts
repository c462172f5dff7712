// The printable one-page report of an index: charts, metrics, insights, methodology, as one HTML document.
import {
  barChart,
  drawdownChart,
  drawdownSeries,
  escapeXml,
  type LineSeries,
  lineChart,
  type Point,
} from "./report-charts";

/** The page's only style, inline so a saved copy is whole; the route's CSP allows exactly its hash. */
export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; background: #fff; }
main { max-width: 820px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 22px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
.sub { color: #6b7280; margin: 0 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.facts dt { color: #6b7280; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; word-break: break-all; }
svg { display: block; width: 100%; height: auto; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid #eef0f3; }
th:first-child, td:first-child { text-align: left; }
ol.insights { padding-left: 20px; margin: 0; }
ol.insights li { margin: 0 0 6px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.note { color: #6b7280; font-size: 11px; }
@media (max-width: 640px) { .grid { grid-template-columns: 1fr; } }
@page { size: A4; margin: 14mm; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; } section { break-inside: avoid; } }
`;

export interface ReportInput {
  index: {
    id: string;
    name: string;
    version: number;
    weighting: string;
    rebalance: string;
    constituents: readonly string[];
    base_date: string;
    base_value: number;
    benchmark: string | null;
    built_at: string | null;
    methodology_hash: string | null;
    data_as_of: string | null;
  };
  levels: readonly Point[];
  benchmark: { symbol: string; levels: readonly Point[] } | null;
  weights: ReadonlyArray<{ symbol: string; weight: number }>;
  weightsDate: string | null;
  risk: ReadonlyArray<{ symbol: string; contribution_pct: number }> | null;
  metrics: ReadonlyArray<{ label: string; value: string }>;
  insights: ReadonlyArray<{ text: string }>;
  methodology: readonly string[];
}

const pctText = (v: number) => `${(Math.round(v * 1000) / 10).toFixed(1)}%`;

/** Both series rebased to 100 on the first date they share. */
export function rebased(levels: readonly Point[], other: readonly Point[]): { index: Point[]; other: Point[] } {
  const map = new Map(other.map((p) => [p.date, p.value]));
  const common = levels.filter((p) => map.has(p.date));
  const first = common[0];
  if (!first) return { index: [], other: [] };
  const b0 = map.get(first.date) as number;
  return {
    index: common.map((p) => ({ date: p.date, value: (p.value * 100) / first.value })),
    other: common.map((p) => ({ date: p.date, value: ((map.get(p.date) as number) * 100) / b0 })),
  };
}

function facts(rows: ReadonlyArray<[string, string | null]>): string {
  return `<dl class="facts">${rows
    .filter((r): r is [string, string] => r[1] !== null)
    .map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`)
    .join("")}</dl>`;
}

export function reportHtml(r: ReportInput): string {
  const ix = r.index;
  let lines: LineSeries[];
  if (r.benchmark) {
    const both = rebased(r.levels, r.benchmark.levels);
    lines = [
      { name: ix.name, points: both.index, colour: "#2f6fed" },
      { name: r.benchmark.symbol, points: both.other, colour: "#9aa3ad" },
    ];
  } else {
    const first = r.levels[0]?.value ?? 1;
    lines = [
      {
        name: ix.name,
        points: r.levels.map((p) => ({ date: p.date, value: (p.value * 100) / first })),
        colour: "#2f6fed",
      },
    ];
  }
  const levelChart = lineChart(
    r.benchmark ? `${ix.name} against ${r.benchmark.symbol}, rebased to 100` : `${ix.name}, rebased to 100`,
    lines,
    (v) => String(Math.round(v)),
  );
  const ddChart = drawdownChart(`${ix.name}: drawdown from the running peak`, drawdownSeries(r.levels));
  const weightChart = barChart(
    "Weights",
    r.weights.map((w) => ({ label: w.symbol, value: w.weight })),
    pctText,
  );
  const riskChart = r.risk
    ? barChart(
        "Share of risk",
        r.risk.map((c) => ({ label: c.symbol, value: c.contribution_pct })),
        pctText,
        "#c2410c",
      )
    : barChart("Share of risk", [], pctText);
  const last = r.levels[r.levels.length - 1];
  const head = facts([
    ["Index", ix.id],
    ["Version", String(ix.version)],
    ["Methodology hash", ix.methodology_hash ?? "not recorded for this version"],
    ["Data as of", ix.data_as_of ?? (ix.built_at ? `${ix.built_at} (build time)` : null)],
    ["Levels", last ? `${r.levels[0]!.date} to ${last.date} (${r.levels.length} sessions)` : "none"],
    ["Weighting", `${ix.weighting}, rebalanced ${ix.rebalance}`],
    [
      "Constituents",
      `${ix.constituents.length}: ${ix.constituents.slice(0, 30).join(", ")}${ix.constituents.length > 30 ? ", …" : ""}`,
    ],
    ["Base", `${ix.base_value} on ${ix.base_date}`],
    ["Benchmark", r.benchmark?.symbol ?? ix.benchmark ?? "none"],
  ]);
  const metrics = `<table><thead><tr><th>Metric</th><th>Value</th></tr></thead><tbody>${r.metrics
    .map((m) => `<tr><td>${escapeXml(m.label)}</td><td>${escapeXml(m.value)}</td></tr>`)
    .join("")}</tbody></table>`;
  const insights = r.insights.length
    ? `<ol class="insights">${r.insights.map((i) => `<li>${escapeXml(i.text)}</li>`).join("")}</ol>`
    : `<p class="note">No insight: the index has too little history.</p>`;
  const methodology = `<ul>${r.methodology.map((l) => `<li>${escapeXml(l)}</li>`).join("")}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(ix.name)} — edgeindex report</title><style>${REPORT_CSS}</style></head>
<body><main>
<header><h1>${escapeXml(ix.name)}</h1><p class="sub">edgeindex report · version ${ix.version}${last ? ` · levels through ${escapeXml(last.date)}` : ""}</p>${head}</header>
<section><h2>Level against benchmark</h2>${levelChart}</section>
<section><h2>Drawdown</h2>${ddChart}</section>
<section class="grid"><div><h2>Weights${r.weightsDate ? ` (rebalance of ${escapeXml(r.weightsDate)})` : ""}</h2>${weightChart}</div><div><h2>Risk contributions</h2>${riskChart}</div></section>
<section><h2>Metrics (whole history)</h2>${metrics}</section>
<section><h2>Insights</h2>${insights}</section>
<section><h2>Methodology</h2>${methodology}<p class="note">Every number on this page is computed from stored data of version ${ix.version}; see docs/METHODOLOGY.md and docs/INSIGHTS.md.</p></section>
</main></body></html>`;
}
