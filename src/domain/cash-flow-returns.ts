// Returns of a portfolio with external cash flows: time-weighted (the manager's) and money-weighted (the investor's IRR).

export interface ValuePoint {
  date: string;
  /** Portfolio value at the day's close, after that day's flow. */
  value: number;
}

export interface CashFlow {
  date: string;
  /** Money added (positive) or withdrawn (negative) at the start of that day. */
  amount: number;
}

/**
 * TWR = Π (1 + r_t) − 1 with r_t = V_t / (V_{t−1} + F_t) − 1: a flow on day t arrives before that day's
 * move, so it earns the day's return and never counts as performance. Null below two points.
 */
export function timeWeightedReturn(values: readonly ValuePoint[], flows: readonly CashFlow[] = []): number | null {
  if (values.length < 2) return null;
  const byDate = new Map<string, number>();
  for (const f of flows) byDate.set(f.date, (byDate.get(f.date) ?? 0) + f.amount);
  let growth = 1;
  for (let i = 1; i < values.length; i++) {
    const base = (values[i - 1] as ValuePoint).value + (byDate.get((values[i] as ValuePoint).date) ?? 0);
    if (!(base > 0)) return null;
    growth *= (values[i] as ValuePoint).value / base;
  }
  return growth - 1;
}

const yearsBetween = (a: string, b: string) =>
  (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / (365 * 86_400_000);

/**
 * MWR: the annual rate r (ACT/365) with Σ_k CF_k (1 + r)^{−t_k} = 0, where the investor pays the initial value
 * and every contribution (negative cash flows to them) and receives the final value. Found by bisection on
 * r ∈ (−1, 10¹²): the net present value falls as r rises when money goes in before it comes out. Null when
 * no sign change exists (e.g. nothing invested) or the span is under one day.
 */
export function moneyWeightedReturn(
  start: ValuePoint,
  end: ValuePoint,
  flows: readonly CashFlow[] = [],
): number | null {
  const span = yearsBetween(start.date, end.date);
  if (!(span > 0)) return null;
  const cash = [
    { t: 0, amount: -start.value },
    ...flows
      .filter((f) => f.date > start.date && f.date <= end.date)
      .map((f) => ({ t: yearsBetween(start.date, f.date), amount: -f.amount })),
    { t: span, amount: end.value },
  ];
  const npv = (r: number) => cash.reduce((s, c) => s + c.amount * (1 + r) ** -c.t, 0);
  let lo = -1 + 1e-9;
  let hi = 1e12;
  const fLo = npv(lo);
  const fHi = npv(hi);
  if (!(Number.isFinite(fLo) && Number.isFinite(fHi)) || Math.sign(fLo) === Math.sign(fHi)) return null;
  for (let k = 0; k < 300 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); k++) {
    const mid = 0.5 * (lo + hi);
    if (Math.sign(npv(mid)) === Math.sign(fLo)) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * The curve an investor's return is read from when money is paid in: a unit value starting at V_0 that moves
 * by V_t/(V_{t−1} + F_t) each day, so contributions never show as gains. Its total return is the TWR.
 */
export function flowAdjustedCurve(values: readonly ValuePoint[], flows: readonly CashFlow[]): ValuePoint[] {
  if (values.length === 0) return [];
  const byDate = new Map<string, number>();
  for (const f of flows) byDate.set(f.date, (byDate.get(f.date) ?? 0) + f.amount);
  const first = values[0] as ValuePoint;
  const out: ValuePoint[] = [{ date: first.date, value: first.value }];
  let level = first.value;
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as ValuePoint;
    const base = (values[i - 1] as ValuePoint).value + (byDate.get(v.date) ?? 0);
    level = base > 0 ? (level * v.value) / base : level;
    out.push({ date: v.date, value: level });
  }
  return out;
}
