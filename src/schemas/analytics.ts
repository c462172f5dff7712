// Analytics shapes: indicator series, correlation matrix, anomalies and regimes of daily bars.
import { z } from "@hono/zod-openapi";
import { commaListPattern, fieldsParam, isoDate } from "./common";

const range = {
  start: isoDate
    .optional()
    .openapi({ description: "Default: one year before end; must not be after end (or the latest bar), else 400" }),
  end: isoDate.optional().openapi({ description: "Default: the latest bar" }),
  fields: fieldsParam,
};

export const INDICATOR_KINDS = ["sma", "ema", "rsi", "macd", "bollinger", "atr"] as const;

export const IndicatorQuery = z
  .strictObject({
    kind: z.enum(INDICATOR_KINDS),
    window: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: "Default 20 (sma, ema, bollinger) or 14 (rsi, atr); macd is fixed at 12/26/9" }),
    ...range,
  })
  .superRefine((q, ctx) => {
    if (q.kind === "macd" && q.window !== undefined) {
      ctx.addIssue({ code: "custom", path: ["window"], message: "macd takes no window (12/26/9)" });
    }
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
    data: z.array(z.object({ date: z.string(), value: IndicatorValue })),
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

export const AnomalyList = z
  .object({
    symbol: z.string(),
    start: z.string(),
    end: z.string(),
    data: z.array(
      z.object({
        date: z.string(),
        kind: z.enum(["return", "volume"]),
        value: z.number(),
        score: z.number(),
        reason: z.string(),
      }),
    ),
  })
  .openapi("Anomalies");

export const RegimeList = z
  .object({
    symbol: z.string(),
    start: z.string(),
    end: z.string(),
    data: z.array(
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
    ),
  })
  .openapi("Regimes");
