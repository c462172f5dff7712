// Shapes of the risk reads: rolling metrics, an index's risk model, stress tests, patterns and volatility forecasts.
import { z } from "@hono/zod-openapi";
import { PATTERN_KINDS } from "../domain/candlestick-patterns";
import { commaListPattern, dateRange, fieldsParam, startNotAfterEnd } from "./route-parts";

export const RollingQuery = z.strictObject({
  metric: z.enum(["volatility", "sharpe", "beta", "drawdown"]).openapi({ example: "volatility" }),
  window: z
    .enum(["63", "126", "252"])
    .default("63")
    .openapi({ description: "Trailing sessions per point", example: "63" }),
  fields: fieldsParam,
});
export const RiskQuery = z.strictObject({ fields: fieldsParam });
export const RollingSeries = z
  .object({
    metric: z.string(),
    window: z.number().int(),
    benchmark_used: z.string().nullable(),
    data: z.array(z.object({ date: z.string(), value: z.number().nullable() })),
  })
  .openapi("RollingSeries", {
    example: { metric: "volatility", window: 63, benchmark_used: null, data: [{ date: "2024-04-01", value: 0.18 }] },
  });

const forecast = z.object({
  model: z.enum(["ewma", "garch"]),
  annualized_volatility: z.number(),
  horizon: z.number().int(),
  lambda: z.number().optional(),
  omega: z.number().optional(),
  alpha: z.number().optional(),
  beta: z.number().optional(),
  fallback_reason: z.enum(["too_few_observations", "did_not_converge", "non_stationary"]).optional(),
});

export const IndexRisk = z
  .object({
    date: z
      .string()
      .openapi({ description: "Last session of the lookback: the weights and returns are as of its close" }),
    lookback_days: z.number().int(),
    covariance: z.enum(["sample", "ledoit_wolf"]),
    volatility: z.number().openapi({ description: "√(w'Σw × 252) at today's weights" }),
    volatility_forecast: z.object({ ewma: forecast, garch: forecast }),
    contributions: z.array(
      z.object({ symbol: z.string(), weight: z.number(), marginal: z.number(), contribution_pct: z.number() }),
    ),
    factors: z.object({
      benchmark_used: z.string().nullable(),
      market_beta: z.number().nullable(),
      sector_exposures: z.record(z.string(), z.number()),
      sector_weights: z.record(z.string(), z.number()),
      pca: z.array(z.object({ explained_variance: z.number(), loadings: z.record(z.string(), z.number()) })),
    }),
    r_squared: z.number().nullable(),
    specific_risk: z.number().nullable(),
  })
  .openapi("IndexRisk", {
    example: {
      date: "2024-06-28",
      lookback_days: 252,
      covariance: "ledoit_wolf",
      volatility: 0.19,
      volatility_forecast: {
        ewma: { model: "ewma", lambda: 0.94, annualized_volatility: 0.17, horizon: 21 },
        garch: { model: "garch", omega: 2.1e-6, alpha: 0.08, beta: 0.9, annualized_volatility: 0.18, horizon: 21 },
      },
      contributions: [{ symbol: "AAPL", weight: 0.25, marginal: 0.21, contribution_pct: 0.28 }],
      factors: {
        benchmark_used: "SPY",
        market_beta: 1.05,
        sector_exposures: { Technology: 0.82 },
        sector_weights: { Technology: 1 },
        pca: [{ explained_variance: 0.61, loadings: { AAPL: 0.5 } }],
      },
      r_squared: 0.88,
      specific_risk: 0.065,
    },
  });

const shock = z.number().finite().min(-1).max(10);
export const StressBody = z
  .strictObject({
    scenarios: z
      .array(
        z.strictObject({
          name: z.string().trim().min(1).max(100),
          shocks: z
            .strictObject({
              market: shock.optional(),
              sectors: z.record(z.string().min(1).max(64), shock).optional(),
              symbols: z.record(z.string().min(1).max(20), shock).optional(),
            })
            .refine((s) => Object.keys(s).length > 0, "at least one shock")
            .openapi({ minProperties: 1 }),
        }),
      )
      .min(1)
      .max(20)
      .optional(),
  })
  .openapi("StressRequest", {
    example: { scenarios: [{ name: "Tech sell-off", shocks: { market: -0.05, sectors: { Technology: -0.2 } } }] },
  });

export const StressResult = z
  .object({
    date: z.string(),
    benchmark_used: z.string().nullable(),
    results: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(["hypothetical", "historical"]),
        index_return: z.number(),
        start: z.string().optional(),
        end: z.string().optional(),
        realised_return: z
          .number()
          .nullable()
          .optional()
          .openapi({ description: "What the index itself did in that window" }),
        proxied: z.array(z.string()).optional(),
        holdings: z
          .array(z.object({ symbol: z.string(), weight: z.number(), shock: z.number(), source: z.string() }))
          .optional(),
      }),
    ),
  })
  .openapi("StressResult", {
    example: {
      date: "2024-06-28",
      benchmark_used: "SPY",
      results: [
        {
          name: "worst_20_sessions",
          kind: "historical",
          index_return: -0.14,
          start: "2022-05-04",
          end: "2022-06-02",
          realised_return: -0.16,
        },
      ],
    },
  });

export const PatternsQuery = z
  .strictObject({
    ...dateRange,
    kinds: z
      .string()
      .max(300)
      .optional()
      .openapi({
        description: "Comma-separated pattern kinds (default all)",
        pattern: commaListPattern(`(?:${PATTERN_KINDS.join("|")})`, 1, PATTERN_KINDS.length),
        example: "doji,hammer",
      }),
    fields: fieldsParam,
  })
  .refine(...startNotAfterEnd());
export const PatternList = z
  .object({
    symbol: z.string(),
    data: z.array(
      z.object({ date: z.string(), kind: z.string(), direction: z.enum(["bullish", "bearish", "neutral"]) }),
    ),
  })
  .openapi("PatternList", {
    example: { symbol: "AAPL", data: [{ date: "2024-03-05", kind: "hammer", direction: "bullish" }] },
  });

export const VolatilityQuery = z.strictObject({
  model: z.enum(["ewma", "garch"]).default("garch"),
  horizon: z.coerce.number().int().min(1).max(252).default(21).openapi({ description: "Sessions ahead" }),
  fields: fieldsParam,
});
export const VolatilityForecast = z
  .object({ symbol: z.string(), date: z.string(), observations: z.number().int() })
  .extend(forecast.shape)
  .openapi("VolatilityForecast", {
    example: {
      symbol: "AAPL",
      date: "2024-06-28",
      observations: 1000,
      model: "garch",
      omega: 3e-6,
      alpha: 0.07,
      beta: 0.91,
      annualized_volatility: 0.24,
      horizon: 21,
    },
  });
