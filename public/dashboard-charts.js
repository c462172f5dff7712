// The dashboard's two charts, drawn with uPlot (vendored from its npm package): the index against its benchmark,
// both rebased to 100 on the first common day, and the index's drawdown from its running peak.
import uPlot from "/vendor/uplot/uPlot.esm.js";

const charts = new Map();

const cssVar = (name, fallback) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const epoch = (date) => Date.parse(`${date}T00:00:00Z`) / 1000;

/** Drawdown per day: the level against the highest level so far, as a fraction (0 at a new peak, negative below). */
export function drawdowns(levels) {
  let peak = Number.NEGATIVE_INFINITY;
  return levels.map((v) => {
    peak = Math.max(peak, v);
    return v / peak - 1;
  });
}

function sizeOf(el, ratio) {
  const width = Math.max(200, el.clientWidth);
  return { width, height: Math.round(Math.min(360, Math.max(160, width * ratio))) };
}

function axes(format) {
  const grid = { stroke: cssVar("--grid", "#ddd"), width: 1 };
  const stroke = cssVar("--muted", "#888");
  return [
    { stroke, grid, ticks: grid },
    { stroke, grid, ticks: grid, size: 56, values: (_u, ticks) => ticks.map(format) },
  ];
}

function draw(key, el, data, options) {
  charts.get(key)?.destroy();
  el.replaceChildren();
  const chart = new uPlot({ ...sizeOf(el, options.ratio), ...options.config }, data, el);
  chart.root.dataset.points = String(data[0].length);
  charts.set(key, { chart, el, ratio: options.ratio, destroy: () => chart.destroy() });
}

/**
 * Level chart: `series` is [{ date, index, benchmark }] (the benchmark route's rebased pairs); without a benchmark,
 * `benchmark` is null on every row and only the index is drawn.
 */
export function drawLevels(el, series, benchmarkName) {
  const data = [series.map((p) => epoch(p.date)), series.map((p) => p.index)];
  const lines = [{}, { label: "Index", stroke: cssVar("--accent", "#2f6fed"), width: 1.5 }];
  if (benchmarkName) {
    data.push(series.map((p) => p.benchmark));
    lines.push({ label: benchmarkName, stroke: cssVar("--bench", "#e0892b"), width: 1.25 });
  }
  draw("levels", el, data, {
    ratio: 0.42,
    config: { series: lines, axes: axes((v) => v.toFixed(0)), legend: { live: false }, cursor: { drag: { x: false } } },
  });
}

export function drawDrawdown(el, values) {
  const dd = drawdowns(values.map((v) => v.value));
  draw("drawdown", el, [values.map((v) => epoch(v.date)), dd], {
    ratio: 0.2,
    config: {
      series: [
        {},
        { label: "Drawdown", stroke: cssVar("--down", "#c0262d"), fill: "rgba(192, 38, 45, 0.15)", width: 1 },
      ],
      axes: axes((v) => `${(v * 100).toFixed(0)}%`),
      scales: { y: { range: (_u, min) => [Math.min(min, -0.01), 0] } },
      legend: { live: false },
    },
  });
}

export function clearCharts() {
  for (const c of charts.values()) c.destroy();
  charts.clear();
}

let frame = 0;
window.addEventListener("resize", () => {
  cancelAnimationFrame(frame);
  frame = requestAnimationFrame(() => {
    for (const { chart, el, ratio } of charts.values()) chart.setSize(sizeOf(el, ratio));
  });
});
