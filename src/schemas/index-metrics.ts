// Index performance shapes: the metrics of a window and the comparison with a benchmark (GET /metrics, /benchmark).
import { z } from "@hono/zod-openapi";
import { versionParam } from "./index-versions";
import { fieldsParam, symbolParam } from "./route-parts";

export const MetricsQuery = z.strictObject({
  window: z.enum(["1y", "3y", "5y", "ytd", "all"]).default("all"),
  version: versionParam,
  fields: fieldsParam,
});
const n = z.number().nullable();
const coverageFields = {
  coverage_start: z.string().nullable().openapi({ description: "First date the benchmark has a price in the range" }),
  coverage_end: z.string().nullable().openapi({ description: "Last date the benchmark has a price in the range" }),
  partial_coverage: z.boolean().openapi({
    description:
      "The benchmark starts after the range's first date or ends before its last: relative metrics use the common dates only",
  }),
};
export const Metrics = z
  .object({
    start: z
      .string()
      .nullable()
      .openapi({ description: "First date of the window (returns are measured from its close)" }),
    end: z.string().nullable().openapi({ description: "Last date of the window" }),
    observations: z.number().int().openapi({ description: "Daily returns in the window" }),
    window_truncated: z.boolean().openapi({
      description: "The window asked for reaches before the index's first value: it starts there instead",
    }),
    benchmark_used: z.string().nullable(),
    ...coverageFields,
    total_return: n,
    cagr: n,
    volatility: n,
    sharpe: n,
    sortino: n,
    max_drawdown: n,
    max_drawdown_start: z.string().nullable(),
    max_drawdown_end: z.string().nullable(),
    var_95: n,
    cvar_95: n,
    beta: n,
    alpha: n,
    tracking_error: n,
    information_ratio: n,
    correlation: n,
    calmar: n,
    omega: n,
    treynor: n,
    up_capture: n,
    down_capture: n,
    r_squared: n,
    downside_beta: n,
    skew: n,
    kurtosis: n.openapi({ description: "Excess kurtosis (0 for a normal distribution)" }),
    best_day: n,
    worst_day: n,
    hit_rate: n,
    max_drawdown_duration_days: n.openapi({
      description: "Calendar days of the longest drawdown (open ones to the last date)",
    }),
    recovery_date: z
      .string()
      .nullable()
      .openapi({ description: "When the deepest drawdown regained its peak; null while under water" }),
    var_99: n,
    cvar_99: n,
    var_95_parametric: n,
    var_95_cornish_fisher: n,
    annual_turnover: n,
  })
  .openapi("Metrics", {
    example: {
      start: "2023-12-01",
      end: "2026-12-01",
      observations: 754,
      window_truncated: false,
      benchmark_used: "SPY",
      coverage_start: "2023-12-01",
      coverage_end: "2026-12-01",
      partial_coverage: false,
      total_return: 0.41,
      cagr: 0.122,
      volatility: 0.21,
      sharpe: 0.66,
      sortino: 0.95,
      max_drawdown: 0.24,
      max_drawdown_start: "2022-01-03",
      max_drawdown_end: "2022-10-12",
      var_95: 0.021,
      cvar_95: 0.031,
      beta: 1.08,
      alpha: 0.012,
      tracking_error: 0.06,
      information_ratio: 0.4,
      correlation: 0.93,
      calmar: 0.51,
      omega: 1.13,
      treynor: 0.11,
      up_capture: 1.05,
      down_capture: 0.98,
      r_squared: 0.86,
      downside_beta: 1.02,
      skew: -0.3,
      kurtosis: 2.1,
      best_day: 0.071,
      worst_day: -0.062,
      hit_rate: 0.53,
      max_drawdown_duration_days: 412,
      recovery_date: "2023-02-17",
      var_99: 0.035,
      cvar_99: 0.046,
      var_95_parametric: 0.02,
      var_95_cornish_fisher: 0.022,
      annual_turnover: 0.31,
    },
  });

export const BenchmarkQuery = z.strictObject({ symbol: symbolParam.optional(), fields: fieldsParam });
export const BenchmarkComparison = z
  .object({
    requested: z.string(),
    benchmark_used: z.string(),
    ...coverageFields,
    start: z.string(),
    end: z.string(),
    rebased_to: z.number(),
    series: z.array(z.object({ date: z.string(), index: z.number(), benchmark: z.number() })),
    metrics: z.object({
      index_return: n,
      benchmark_return: n,
      excess_return: n,
      beta: n,
      alpha: n,
      tracking_error: n,
      information_ratio: n,
      correlation: n,
    }),
  })
  .openapi("BenchmarkComparison");
