// Preview shapes: the weights a definition would set on a date, and an index's next rebalance with its trade.
import { z } from "@hono/zod-openapi";
import { checkWeights, definitionFields, definitionRules } from "./indexes";
import { isoDate } from "./route-parts";

const previewDate = isoDate.optional().openapi({
  description: "The session to preview (the last one on or before this date; default the latest with prices)",
});

export const IndexPreviewBody = z
  .strictObject({ name: z.string().trim().min(1).max(200).optional(), ...definitionFields, date: previewDate })
  .superRefine(checkWeights)
  .openapi("IndexPreviewRequest", definitionRules);

export const RebalancePreviewBody = z
  .strictObject({
    date: previewDate,
    fee_bps: z
      .number()
      .finite()
      .min(0)
      .max(1000)
      .default(0)
      .openapi({ description: "Fee per unit traded, in basis points of the value traded (default 0)" }),
  })
  .openapi("RebalancePreviewRequest");

const PreviewWeight = z.object({
  symbol: z.string(),
  weight_before_caps: z.number().openapi({ description: "The weighting method's own weight" }),
  weight: z.number().openapi({ description: "After max_weight, min_weight, group caps and max_turnover" }),
  capped: z.boolean().openapi({
    description:
      "This weight sits on a limit that binds (max_weight, min_weight or its sector's group cap); a weight the redistribution only raised is not capped",
  }),
});

const BindingCap = z.object({
  cap: z.enum(["max_weight", "min_weight", "group_cap", "max_turnover"]),
  limit: z.number().openapi({ description: "The limit in force (a per-asset cap widened to 1/n when it had to be)" }),
  group: z.string().optional().openapi({ description: "The sector, for a group cap" }),
  symbols: z.array(z.string()).openapi({ description: "The constituents sitting on the limit" }),
});

const Warning = z.object({ code: z.string(), message: z.string() });

const previewFields = {
  date: z.string().openapi({ description: "The session the weights are computed on" }),
  weights: z.array(PreviewWeight),
  binding_caps: z.array(BindingCap),
  caps_relaxed: z.boolean(),
  warnings: z.array(Warning).openapi({
    description: "Solver notes, relaxed caps, constituents left out (and why), constant-shares market-cap fallbacks",
  }),
};

export const IndexPreview = z.object(previewFields).openapi("IndexPreview");

export const RebalancePreview = z
  .object({
    ...previewFields,
    joined: z.array(z.string()),
    left: z.array(z.string()),
    trades: z.array(
      z.object({
        symbol: z.string(),
        weight_in_force: z.number().openapi({ description: "The drifted weight held before the rebalance" }),
        weight: z.number(),
        change: z.number(),
      }),
    ),
    turnover: z.number().openapi({ description: "One-way turnover 0.5 Σ|Δw| against the weights in force" }),
    traded: z.number().openapi({ description: "Σ|Δw|: value bought and sold as a fraction of the index level" }),
    fee_bps: z.number(),
    cost: z.number().openapi({ description: "traded × fee_bps / 10,000: the fee as a fraction of the level" }),
    level: z.number().openapi({ description: "The index level on the date" }),
    cost_points: z.number().openapi({ description: "The fee in index points (cost × level)" }),
  })
  .openapi("RebalancePreview");
