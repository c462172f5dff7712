// Charts for the printable report, drawn as SVG text on the server: lines over dates, a drawdown area, bars.
// Presentation attributes only (no style attributes), so the page's strict CSP needs no 'unsafe-inline'.

export interface Point {
  date: string;
  value: number;
}

export interface LineSeries {
  name: string;
  points: readonly Point[];
  colour: string;
}

const W = 720;
const H = 260;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };
const AXIS = "#6b7280";
const GRID = "#e5e7eb";

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const fixed = (x: number) => (Math.round(x * 10) / 10).toString();

/** About `count` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const v = Number((k * step).toFixed(decimals));
    out.push(v === 0 ? 0 : v);
  }
  return out;
}

interface Frame {
  x: (i: number) => number;
  y: (v: number) => number;
  lo: number;
  hi: number;
}

function frameOf(n: number, values: number[], includeZero: boolean): Frame {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (includeZero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  return {
    lo,
    hi,
    x: (i) => PAD.left + (n > 1 ? (i / (n - 1)) * innerW : innerW / 2),
    y: (v) => PAD.top + (1 - (v - lo) / (hi - lo)) * innerH,
  };
}

function axes(f: Frame, dates: readonly string[], format: (v: number) => string): string {
  const parts: string[] = [];
  for (const t of niceTicks(f.lo, f.hi)) {
    const y = fixed(f.y(t));
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="${GRID}" stroke-width="1"/>`);
    parts.push(
      `<text x="${PAD.left - 6}" y="${y}" font-size="11" fill="${AXIS}" text-anchor="end" dominant-baseline="middle">${escapeXml(format(t))}</text>`,
    );
  }
  if (dates.length > 0) {
    const ticks = dates.length > 1 ? [0, Math.floor((dates.length - 1) / 2), dates.length - 1] : [0];
    for (const [k, i] of ticks.entries()) {
      const anchor = k === 0 ? "start" : k === ticks.length - 1 ? "end" : "middle";
      parts.push(
        `<text x="${fixed(f.x(i))}" y="${H - 12}" font-size="11" fill="${AXIS}" text-anchor="${anchor}">${escapeXml(dates[i] as string)}</text>`,
      );
    }
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="${AXIS}" stroke-width="1"/>`,
  );
  return parts.join("");
}

function svg(title: string, body: string, kind: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}" data-chart="${kind}"><title>${escapeXml(title)}</title>${body}</svg>`;
}

function empty(title: string, kind: string, note: string): string {
  return svg(
    title,
    `<text x="${W / 2}" y="${H / 2}" font-size="13" fill="${AXIS}" text-anchor="middle">${escapeXml(note)}</text>`,
    kind,
  );
}

/** Several series over the dates of the first one (the others aligned by date), with a legend. */
export function lineChart(title: string, series: readonly LineSeries[], format: (v: number) => string): string {
  const base = series[0];
  if (!base || base.points.length < 2) return empty(title, "line", "Not enough data to draw");
  const dates = base.points.map((p) => p.date);
  const at = new Map(dates.map((d, i) => [d, i]));
  const all = series.flatMap((s) => s.points.filter((p) => at.has(p.date)).map((p) => p.value));
  const f = frameOf(dates.length, all, false);
  const paths = series.map((s) => {
    const d = s.points
      .filter((p) => at.has(p.date))
      .map((p, k) => `${k === 0 ? "M" : "L"}${fixed(f.x(at.get(p.date) as number))},${fixed(f.y(p.value))}`)
      .join("");
    return `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.6" data-series="${escapeXml(s.name)}"/>`;
  });
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${PAD.left + 8 + k * 150}" y="${PAD.top + 2}" width="10" height="10" fill="${s.colour}"/><text x="${PAD.left + 22 + k * 150}" y="${PAD.top + 11}" font-size="11" fill="#1b1f24">${escapeXml(s.name)}</text>`,
    )
    .join("");
  return svg(title, axes(f, dates, format) + paths.join("") + legend, "line");
}

/** Drawdown from the running peak, as a filled area below zero. */
export function drawdownChart(title: string, points: readonly Point[], colour = "#c0262d"): string {
  if (points.length < 2) return empty(title, "drawdown", "Not enough data to draw");
  const f = frameOf(
    points.length,
    points.map((p) => p.value),
    true,
  );
  const line = points.map((p, i) => `${i === 0 ? "M" : "L"}${fixed(f.x(i))},${fixed(f.y(p.value))}`).join("");
  const area = `${line}L${fixed(f.x(points.length - 1))},${fixed(f.y(0))}L${fixed(f.x(0))},${fixed(f.y(0))}Z`;
  const body =
    axes(
      f,
      points.map((p) => p.date),
      (v) => `${fixed(v * 100)}%`,
    ) +
    `<path d="${area}" fill="${colour}" fill-opacity="0.25" stroke="none"/>` +
    `<path d="${line}" fill="none" stroke="${colour}" stroke-width="1.4" data-series="drawdown"/>`;
  return svg(title, body, "drawdown");
}

/** Horizontal bars, largest first as given, each labelled with its formatted value. */
export function barChart(
  title: string,
  bars: ReadonlyArray<{ label: string; value: number }>,
  format: (v: number) => string,
  colour = "#2f6fed",
): string {
  if (bars.length === 0) return empty(title, "bars", "No data");
  const rows = bars.slice(0, 25);
  const rowH = 20;
  const height = PAD.top + rows.length * rowH + 8;
  const max = Math.max(...rows.map((b) => Math.abs(b.value)), 1e-12);
  const left = 90;
  const innerW = W - left - 80;
  const body = rows
    .map((b, i) => {
      const y = PAD.top + i * rowH;
      const w = Math.max(1, (Math.abs(b.value) / max) * innerW);
      return (
        `<text x="${left - 8}" y="${y + 13}" font-size="12" fill="#1b1f24" text-anchor="end">${escapeXml(b.label)}</text>` +
        `<rect x="${left}" y="${y + 3}" width="${fixed(w)}" height="${rowH - 6}" fill="${colour}" data-value="${b.value}"/>` +
        `<text x="${fixed(left + w + 6)}" y="${y + 13}" font-size="11" fill="${AXIS}">${escapeXml(format(b.value))}</text>`
      );
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" role="img" aria-label="${escapeXml(title)}" data-chart="bars"><title>${escapeXml(title)}</title>${body}</svg>`;
}

/** v_t / max_{s≤t} v_s − 1 for each level. */
export function drawdownSeries(levels: readonly Point[]): Point[] {
  let peak = Number.NEGATIVE_INFINITY;
  return levels.map((l) => {
    peak = Math.max(peak, l.value);
    return { date: l.date, value: l.value / peak - 1 };
  });
}
