// Insight and report shapes: sentences computed from an index's numbers, each with the figures it quotes.
import { z } from "@hono/zod-openapi";

export const INSIGHT_KINDS = [
  "risk_concentration",
  "drawdown",
  "current_drawdown",
  "tracking",
  "binding_caps",
  "turnover",
  "regime",
  "volatility_forecast",
  "data_events",
] as const;

export const Insight = z
  .object({
    kind: z.enum(INSIGHT_KINDS),
    text: z.string().openapi({
      example: "AAA carries 41.3% of the index's risk with 25.0% of its weight, over the last 252 sessions.",
    }),
    figures: z.record(z.string(), z.union([z.number(), z.string()])).openapi({
      description:
        "Every number the text quotes, as quoted (percent figures in percent, magnitudes in the text, signs here), plus the dates and symbols it names",
      example: { symbol: "AAA", risk_share_pct: 41.3, weight_pct: 25, sessions: 252 },
    }),
    importance: z
      .number()
      .min(0)
      .max(1)
      .openapi({ description: "How remarkable the numbers are; items are sorted by it" }),
    reworded: z.boolean().openapi({ description: "Whether Workers AI reworded the computed sentence" }),
  })
  .openapi("Insight");

export const InsightList = z
  .object({
    index_id: z.string(),
    version: z.number().int(),
    date: z.string().nullable().openapi({ description: "The last level date the insights describe" }),
    items: z.array(Insight),
  })
  .openapi("IndexInsights");
