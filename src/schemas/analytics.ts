// Analytics shapes: indicator series, correlation matrix, anomalies and regimes of daily bars.
import { z } from "@hono/zod-openapi";
import { commaListPattern, fieldsParam, isoDate } from "./route-parts";

const range = {
  start: isoDate
    .optional()
    .openapi({ description: "Default: one year before end; must not be after end (or the latest bar), else 400" }),
  end: isoDate.optional().openapi({ description: "Default: the latest bar" }),
  fields: fieldsParam,
};

export const INDICATOR_KINDS = ["sma", "ema", "rsi", "macd", "bollinger", "atr"] as const;

const macdSpan = (what: string, d: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .openapi({ description: `macd: ${what} (default ${d})` });

export const IndicatorQuery = z
  .strictObject({
    kind: z.enum(INDICATOR_KINDS),
    window: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: "Default 20 (sma, ema, bollinger) or 14 (rsi, atr); macd takes fast/slow/signal" }),
    fast: macdSpan("fast EMA sessions", 12),
    slow: macdSpan("slow EMA sessions", 26),
    signal: macdSpan("signal EMA sessions of the MACD line", 9),
    k: z.coerce
      .number()
      .finite()
      .gt(0)
      .max(10)
      .optional()
      .openapi({ description: "bollinger: band width in standard deviations (default 2)" }),
    ...range,
  })
  .superRefine((q, ctx) => {
    if (q.kind === "macd" && q.window !== undefined) {
      ctx.addIssue({ code: "custom", path: ["window"], message: "macd takes fast, slow and signal, not window" });
    }
    for (const field of ["fast", "slow", "signal"] as const) {
      if (q.kind !== "macd" && q[field] !== undefined)
        ctx.addIssue({ code: "custom", path: [field], message: `${field} applies only to macd` });
    }
    if (q.kind === "macd" && (q.fast ?? 12) >= (q.slow ?? 26))
      ctx.addIssue({ code: "custom", path: ["fast"], message: "fast must be shorter than slow" });
    if (q.kind !== "bollinger" && q.k !== undefined)
      ctx.addIssue({ code: "custom", path: ["k"], message: "k applies only to bollinger" });
    if (q.kind === "rsi" && q.window === 1)
      ctx.addIssue({ code: "custom", path: ["window"], message: "rsi needs a window of at least 2" });
  });

const IndicatorValue = z.union([
  z.number(),
  z.null(),
  z.object({ macd: z.number(), signal: z.number().nullable(), histogram: z.number().nullable() }),
  z.object({ middle: z.number(), upper: z.number(), lower: z.number() }),
]);

export const IndicatorSeries = z
  .object({
    symbol: z.string(),
    kind: z.enum(INDICATOR_KINDS),
    window: z.number().int().nullable(),
    parameters: z
      .object({
        window: z.number().int().optional(),
        k: z.number().optional(),
        fast: z.number().int().optional(),
        slow: z.number().int().optional(),
        signal: z.number().int().optional(),
      })
      .openapi({ description: "Every parameter the series was computed with, defaults included" }),
    data: z
      .array(z.object({ date: z.string(), value: IndicatorValue }))
      .openapi({ description: "Computed over the whole stored history: a date's value never depends on start" }),
  })
  .openapi("IndicatorSeries");

export const CorrelationQuery = z.strictObject({
  symbols: z
    .string()
    .min(1)
    .max(1100)
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim().toUpperCase())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().regex(/^[A-Z0-9.^=-]{1,20}$/, "must be ticker symbols"))
        .min(2, "give 2 to 50 symbols")
        .max(50, "give 2 to 50 symbols")
        .refine((l) => new Set(l).size === l.length, "symbols must be unique"),
    )
    .openapi({
      type: "string",
      // Upper case, so that "unique" means the same to the document as to the server (which upper-cases first);
      // the lookahead refuses a symbol that appears twice.
      pattern: `^(?!(?:[^,]*,)*([^,]+),(?:[^,]*,)*\\1(?:,|$))${commaListPattern("[A-Z0-9.^=-]{1,20}", 2, 50).slice(1)}`,
      description: "2 to 50 distinct comma-separated ticker symbols",
      example: "AAPL,MSFT,NVDA",
    }),
  ...range,
});

export const CorrelationResult = z
  .object({
    symbols: z.array(z.string()),
    start: z.string(),
    end: z.string(),
    matrix: z.array(z.array(z.number().nullable())),
    observations: z.array(z.array(z.number().int())),
  })
  .openapi("CorrelationMatrix");

export const RangeQuery = z.strictObject(range);

/** A per-day series of one symbol over the range it was computed on. */
const symbolSeries = <T extends z.ZodType>(day: T) =>
  z.object({ symbol: z.string(), start: z.string(), end: z.string(), data: z.array(day) });

export const AnomalyList = symbolSeries(
  z.object({
    date: z.string(),
    kind: z.enum(["return", "volume"]),
    value: z.number(),
    score: z.number(),
    reason: z.string(),
  }),
).openapi("Anomalies");

export const RegimeList = symbolSeries(
  z.object({
    date: z.string(),
    regime: z.enum(["bull", "bear", "sideways", "high_volatility"]),
    inputs: z.object({
      close: z.number(),
      sma: z.number(),
      sma_slope: z.number(),
      volatility: z.number(),
      volatility_threshold: z.number().nullable(),
    }),
  }),
).openapi("Regimes");
