// Custom-index shapes: the definition body (shared with simulations), the index resource and its reads.
import { z } from "@hono/zod-openapi";
import { versionParam } from "./index-versions";
import {
  cursorParam,
  dateRange,
  fieldsParam,
  formatParam,
  ifThen,
  isoDate,
  limitParam,
  listOf,
  present,
  startNotAfterEnd,
  symbolParam,
} from "./route-parts";

/** Constituent and benchmark symbols in bodies: upper-case tickers, as stored. */
const tickerBody = z
  .string()
  .trim()
  .min(1)
  .max(20)
  .regex(/^[A-Za-z0-9.^=-]{1,20}$/, "must be a ticker symbol")
  .transform((s) => s.toUpperCase());

export const MAX_CONSTITUENTS = 500;

export const WEIGHTINGS = [
  "market_cap",
  "equal",
  "price",
  "custom",
  "inverse_volatility",
  "min_variance",
  "max_sharpe",
  "risk_parity",
  "hrp",
] as const;
/** The weightings that read a window of past returns (lookback_days, covariance). */
export const RISK_BASED_WEIGHTINGS: readonly string[] = [
  "inverse_volatility",
  "min_variance",
  "max_sharpe",
  "risk_parity",
  "hrp",
];

const lookbackDays = z.number().int().min(20).max(2520).openapi({
  description: "Trading days of daily returns each rebalance reads (risk-based weightings; default 252)",
  example: 252,
});
const covariance = z
  .enum(["sample", "ledoit_wolf"])
  .openapi({ description: "Covariance estimator (risk-based weightings; default ledoit_wolf)" });
const groupCaps = z
  .record(z.string().min(1).max(64), z.number().finite().gt(0).max(1))
  .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 50, "between 1 and 50 sectors")
  .openapi({
    description: "Most total weight per sector (asset `sector`)",
    minProperties: 1,
    maxProperties: 50,
    example: { Technology: 0.4 },
  });
const maxTurnover = z
  .number()
  .finite()
  .gt(0)
  .max(1)
  .openapi({ description: "Most one-way turnover (0.5 Σ|Δw|) per rebalance after the first", example: 0.2 });

export const definitionFields = {
  constituents: z
    .array(tickerBody)
    .min(1)
    .max(MAX_CONSTITUENTS)
    .refine((list) => new Set(list).size === list.length, "constituents must be unique")
    // Upper case in the document: the server upper-cases before judging uniqueness, so "aapl" and "AAPL" clash.
    .openapi({
      uniqueItems: true,
      items: { type: "string", pattern: "^[A-Z0-9.^=-]{1,20}$" },
      example: ["AAPL", "MSFT", "NVDA"],
    }),
  weighting: z.enum(WEIGHTINGS),
  weights: z
    .record(z.string(), z.number().finite().min(0))
    .optional()
    .openapi({ description: "Required for custom weighting, and only there: one weight per constituent, by symbol" }),
  max_weight: z.number().finite().gt(0).max(1).optional(),
  min_weight: z.number().finite().min(0).lt(1).optional(),
  rebalance: z.enum(["monthly", "quarterly", "annually", "none"]),
  base_date: isoDate,
  base_value: z.number().finite().positive().max(1e12).default(1000),
  benchmark: symbolParam.optional(),
  lookback_days: lookbackDays.optional(),
  covariance: covariance.optional(),
  group_caps: groupCaps.optional(),
  max_turnover: maxTurnover.optional(),
};

/** Cross-field rules that need no database: custom weights name exactly the constituents. */
export function checkWeights(
  body: { weighting: string; weights?: Record<string, number>; constituents: string[] },
  ctx: z.RefinementCtx,
) {
  if (body.weighting === "custom") {
    if (!body.weights) {
      ctx.addIssue({ code: "custom", path: ["weights"], message: "custom weighting needs weights" });
      return;
    }
    const keys = Object.keys(body.weights).map((k) => k.toUpperCase());
    const wanted = new Set(body.constituents);
    if (keys.length !== wanted.size || keys.some((k) => !wanted.has(k))) {
      ctx.addIssue({ code: "custom", path: ["weights"], message: "weights must name exactly the constituents" });
    }
  } else if (body.weights !== undefined) {
    ctx.addIssue({ code: "custom", path: ["weights"], message: "weights are only allowed with custom weighting" });
  }
  const b = body as { lookback_days?: number; covariance?: string };
  if (!RISK_BASED_WEIGHTINGS.includes(body.weighting)) {
    for (const field of ["lookback_days", "covariance"] as const) {
      if (b[field] !== undefined) {
        ctx.addIssue({ code: "custom", path: [field], message: `${field} applies only to the risk-based weightings` });
      }
    }
  }
}

/**
 * checkWeights' field rules as the document states them (JSON Schema if/then): weights exactly with custom
 * weighting; lookback_days and covariance only with a risk-based one. (That custom weights name exactly the
 * constituents needs the two lists compared, which a schema cannot say; the description does.)
 */
export const definitionRules = {
  allOf: [
    ifThen({ properties: { weighting: { const: "custom" } }, required: ["weighting"] }, present("weights"), {
      not: present("weights"),
    }),
    ifThen(
      { properties: { weighting: { enum: [...RISK_BASED_WEIGHTINGS] } }, required: ["weighting"] },
      {},
      {
        not: { anyOf: [present("lookback_days"), present("covariance")] },
      },
    ),
  ],
};

export const IndexDefinitionBody = z
  .strictObject({ name: z.string().trim().min(1).max(200), ...definitionFields })
  .superRefine(checkWeights)
  .openapi("IndexDefinition", definitionRules);
export type IndexDefinitionBody = z.infer<typeof IndexDefinitionBody>;

/** What `indexes.definition` stores: the body without the name (names change without a rebuild). */
export type StoredDefinition = Omit<IndexDefinitionBody, "name">;

export const PatchIndexBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    constituents: definitionFields.constituents.optional(),
    weighting: definitionFields.weighting.optional(),
    weights: z.record(z.string(), z.number().finite().min(0)).nullable().optional(),
    max_weight: z.number().finite().gt(0).max(1).nullable().optional(),
    min_weight: z.number().finite().min(0).lt(1).nullable().optional(),
    rebalance: definitionFields.rebalance.optional(),
    base_date: isoDate.optional(),
    base_value: z.number().finite().positive().max(1e12).optional(),
    benchmark: symbolParam.nullable().optional(),
    lookback_days: lookbackDays.nullable().optional(),
    covariance: covariance.nullable().optional(),
    group_caps: groupCaps.nullable().optional(),
    max_turnover: maxTurnover.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "at least one field is required")
  .openapi("PatchIndex", { minProperties: 1 });

export const IndexResource = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["building", "ready", "failed"]),
    constituents: z.array(z.string()),
    weighting: z.enum(WEIGHTINGS),
    weights: z.record(z.string(), z.number()).nullable(),
    max_weight: z.number().nullable(),
    min_weight: z.number().nullable(),
    rebalance: z.enum(["monthly", "quarterly", "annually", "none"]),
    base_date: z.string(),
    base_value: z.number(),
    benchmark: z.string().nullable(),
    lookback_days: z.number().int().nullable(),
    covariance: z.enum(["sample", "ledoit_wolf"]).nullable(),
    group_caps: z.record(z.string(), z.number()).nullable(),
    max_turnover: z.number().nullable(),
    version: z
      .number()
      .int()
      .openapi({ description: "The latest version requested (being built when status is building)" }),
    ready_version: z.number().int().nullable().openapi({ description: "The version every read answers from" }),
    failure_reason: z.string().nullable(),
    benchmark_used: z.string().nullable(),
    built_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Index");

export const IndexList = listOf(IndexResource).openapi("IndexList");

export const IndexIdPath = z.object({
  id: z.string().min(1).max(64).openapi({ example: "idx_0123456789abcdefghijkl" }),
});

export const IndexListQuery = z.strictObject({ limit: limitParam(100), cursor: cursorParam, fields: fieldsParam });

export const ValuesQuery = z
  .strictObject({
    ...dateRange,
    version: versionParam,
    limit: limitParam(1000),
    cursor: cursorParam,
    fields: fieldsParam,
    format: formatParam,
  })
  .refine(...startNotAfterEnd());

export const IndexValue = z
  .object({ date: z.string(), value: z.number(), daily_return: z.number().nullable() })
  .openapi("IndexValue");
export const IndexValueList = listOf(IndexValue).openapi("IndexValueList");

export const AllocationsQuery = z.strictObject({
  date: isoDate.optional(),
  version: versionParam,
  fields: fieldsParam,
  format: formatParam,
});
export const Allocation = z
  .object({
    date: z.string().openapi({ description: "The date asked about (the latest value date by default)" }),
    rebalance_date: z.string().openapi({ description: "The rebalance these weights come from" }),
    version: z.number().int(),
    weights: z.array(z.object({ symbol: z.string(), weight: z.number(), shares: z.number().nullable() })),
  })
  .openapi("Allocation");

export const RebalancesQuery = z.strictObject({
  limit: limitParam(100),
  cursor: cursorParam,
  version: versionParam,
  fields: fieldsParam,
});
export const Rebalance = z
  .object({
    date: z.string(),
    weights_before: z
      .record(z.string(), z.number())
      .openapi({ description: "Raw weights of the method, before capping" }),
    weights_after: z.record(z.string(), z.number()),
    turnover: z.number(),
    joined: z.array(z.string()).openapi({ description: "Constituents that entered the index at this rebalance" }),
    left: z.array(z.string()).openapi({ description: "Constituents that left it (delisted, or no longer eligible)" }),
    caps_relaxed: z.boolean().openapi({
      description: "Too few constituents were eligible for max_weight/min_weight to hold, so they were widened to 1/n",
    }),
  })
  .openapi("Rebalance");
export const RebalanceList = listOf(Rebalance).openapi("RebalanceList");

export const RebuildAccepted = z
  .object({ id: z.string(), status: z.literal("building"), version: z.number().int(), job_id: z.string() })
  .openapi("RebuildAccepted");
