// One index on the dashboard: level against benchmark and drawdown charts, metrics for a window, the weights in
// force and every rebalance, each read from its own /v1/indexes/{id}/… route.
import { drawDrawdown, drawLevels } from "/dashboard-charts.js";
import { allPages, api } from "/dashboard-session.js";

const $ = (id) => document.getElementById(id);

const pct = (x, digits = 2) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(digits)}%`);
const num = (x, digits = 2) => (x === null || x === undefined ? "—" : x.toFixed(digits));

/** The metrics shown, in order, with how each reads. */
const METRICS = [
  ["total_return", "Total return", pct],
  ["cagr", "CAGR", pct],
  ["volatility", "Volatility", pct],
  ["sharpe", "Sharpe", num],
  ["sortino", "Sortino", num],
  ["max_drawdown", "Max drawdown", pct],
  ["var_95", "VaR 95% (1 day)", pct],
  ["cvar_95", "CVaR 95% (1 day)", pct],
  ["beta", "Beta", num],
  ["alpha", "Alpha", pct],
  ["tracking_error", "Tracking error", pct],
  ["information_ratio", "Information ratio", num],
  ["correlation", "Correlation", num],
];

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(...cells) {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
}

/** Draws both charts; answers the index's daily levels (for the live change) or [] when there are none yet. */
export async function showLevels(index, isCurrent) {
  const values = await allPages(`/v1/indexes/${index.id}/values?limit=1000`);
  if (!isCurrent()) return values;
  const bench = await api(`/v1/indexes/${index.id}/benchmark`).catch(() => null);
  if (!isCurrent()) return values;
  if (bench?.series?.length) {
    drawLevels($("level-chart"), bench.series, bench.benchmark_used);
    $("level-caption").textContent =
      `Rebased to ${bench.rebased_to} on ${bench.start}: index against ${bench.benchmark_used}` +
      (bench.benchmark_used !== bench.requested ? ` (${bench.requested} has no data)` : "");
  } else if (values.length) {
    const base = values[0].value;
    const series = values.map((v) => ({ date: v.date, index: (v.value / base) * 100, benchmark: null }));
    drawLevels($("level-chart"), series, null);
    $("level-caption").textContent = `Rebased to 100 on ${values[0].date}; no benchmark data.`;
  }
  if (values.length) drawDrawdown($("drawdown-chart"), values);
  return values;
}

export async function showMetrics(index, isCurrent) {
  const window = $("metrics-window").value;
  const m = await api(`/v1/indexes/${index.id}/metrics?window=${window}`);
  if (!isCurrent()) return;
  const items = METRICS.map(([key, label, format]) => {
    const wrap = document.createElement("div");
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = label;
    dd.textContent = format(m[key]);
    dd.dataset.metric = key;
    wrap.append(dt, dd);
    return wrap;
  });
  $("metrics").replaceChildren(...items);
  const span = m.start && m.end ? `${m.start} – ${m.end}, ${m.observations} days` : "";
  $("metrics-span").textContent = `${span}${m.window_truncated ? " (history shorter than the window)" : ""}`;
}

export async function showAllocations(index, isCurrent) {
  const a = await api(`/v1/indexes/${index.id}/allocations`);
  if (!isCurrent()) return;
  $("allocations-date").textContent = `on ${a.date}, from the rebalance of ${a.rebalance_date}`;
  const rows = [...a.weights]
    .sort((x, y) => y.weight - x.weight)
    .map((w) => {
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = `${Math.max(0.5, w.weight * 100)}%`;
      const barCell = document.createElement("td");
      barCell.className = "bar-cell";
      barCell.append(bar);
      return row(cell(w.symbol), cell(pct(w.weight)), barCell);
    });
  $("allocations").replaceChildren(...rows);
}

export async function showRebalances(index, isCurrent) {
  const list = await allPages(`/v1/indexes/${index.id}/rebalances?limit=100`);
  if (!isCurrent()) return;
  const rows = list.reverse().map((r) => {
    const capped = Object.keys(r.weights_before).filter((s) => (r.weights_after[s] ?? 0) < r.weights_before[s] - 1e-9);
    return row(
      cell(r.date),
      cell(pct(r.turnover, 1)),
      cell(r.joined?.length ? r.joined.join(" ") : "—"),
      cell(r.left?.length ? r.left.join(" ") : "—"),
      cell(capped.length ? capped.join(" ") : "—"),
    );
  });
  $("rebalances").replaceChildren(...rows);
  $("rebalances-count").textContent = `${list.length}`;
}

/** Empties every panel (another index chosen, or this one not built yet). */
export function clearIndexView() {
  for (const id of ["level-chart", "drawdown-chart", "metrics", "allocations", "rebalances"]) $(id).replaceChildren();
  for (const id of ["level-caption", "metrics-span", "allocations-date", "rebalances-count"]) $(id).textContent = "";
}
