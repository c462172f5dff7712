// Backtest shapes: the request (an inline index definition or an index id) and the result.
import { z } from "@hono/zod-openapi";
import { Metrics } from "./index-metrics";
import { IndexDefinitionBody } from "./indexes";
import { ifThen, isoDate, present } from "./route-parts";

/** Exactly one of index and index_id, as the refinement below says, for the document (JSON Schema if/then). */
const oneSource = ifThen(present("index"), { not: present("index_id") }, present("index_id"));

export const SimulationBody = z
  .strictObject({
    index: IndexDefinitionBody.optional().openapi({ description: "An index definition, as POST /v1/indexes takes" }),
    index_id: z.string().min(1).max(64).optional().openapi({ description: "One of the caller's indexes" }),
    start: isoDate,
    end: isoDate,
    initial_capital: z.number().finite().positive().max(1e12),
    fee_bps: z.number().finite().min(0).max(1000).default(0),
    slippage_bps: z.number().finite().min(0).max(1000).default(0),
    dividends: z.enum(["cash", "reinvest", "ignore"]).default("cash").openapi({
      description:
        "Cash dividends: credited to cash on the ex-date, spent on the same symbol at that close, or dropped (price return only)",
    }),
    contributions: z
      .array(
        z.strictObject({
          date: isoDate,
          amount: z.number().finite().positive().max(1e12).openapi({ description: "Major units paid in" }),
        }),
      )
      .max(1000)
      .optional()
      .openapi({
        description:
          "Money paid in at the start of the first session on/after each date (within start..end), spent by the weights in force",
        example: [{ date: "2024-06-03", amount: 1000 }],
      }),
    slippage_model: z.enum(["bps", "volume_participation"]).default("bps").openapi({
      description:
        "bps: every fill at the close ± slippage_bps. volume_participation: a fill takes at most 2.5% of the day's volume (the rest waits for the next session) at the close ± (slippage_bps + 0.1 × share² of volume)",
    }),
  })
  .superRefine((b, ctx) => {
    if ((b.index === undefined) === (b.index_id === undefined)) {
      ctx.addIssue({ code: "custom", path: ["index"], message: "give exactly one of index and index_id" });
    }
    if (b.start > b.end) ctx.addIssue({ code: "custom", path: ["end"], message: "end must not be before start" });
    b.contributions?.forEach((c, i) => {
      if (c.date < b.start || c.date > b.end)
        ctx.addIssue({ code: "custom", path: ["contributions", i, "date"], message: "must be within start..end" });
    });
  })
  .openapi("SimulationRequest", oneSource);
export type SimulationBody = z.infer<typeof SimulationBody>;

export const SimulationAccepted = z
  .object({ id: z.string(), status: z.enum(["queued", "running", "succeeded", "failed"]) })
  .openapi("SimulationAccepted");

export const Simulation = z
  .object({
    id: z.string(),
    status: z.enum(["queued", "running", "succeeded", "failed"]),
    start: z.string(),
    end: z.string(),
    initial_capital: z.number(),
    fee_bps: z.number(),
    slippage_bps: z.number(),
    index_id: z.string().nullable(),
    dividends: z.enum(["cash", "reinvest", "ignore"]),
    contributions: z.array(z.object({ date: z.string(), amount: z.number() })),
    slippage_model: z.enum(["bps", "volume_participation"]),
    equity_curve: z.array(z.object({ date: z.string(), value: z.number() })),
    trades: z.array(
      z.object({ date: z.string(), symbol: z.string(), qty: z.number(), price: z.number(), fee: z.number() }),
    ),
    cash_flows: z
      .array(
        z.object({
          date: z.string(),
          kind: z.enum(["dividend", "contribution"]),
          symbol: z.string().nullable(),
          amount: z.number(),
        }),
      )
      .openapi({
        description:
          "Cash that moved without a trade (dividends received, reinvested ones too; contributions on the session they landed), before that day's trades: with the trades it reconciles the curve to the cent",
      }),
    // A union, not `.nullable()`: on a registered schema the generator writes allOf [$ref, {type: [object, null]}],
    // which no null satisfies, so a queued simulation's `metrics: null` broke its own document.
    metrics: z.union([Metrics, z.null()]).openapi({ description: "Null until the simulation has run" }),
    twr: z.number().nullable().openapi({
      description: "Time-weighted return over the run (chain-linked daily; contributions are not performance)",
    }),
    mwr: z.number().nullable().openapi({
      description:
        "Money-weighted return: the annual IRR (ACT/365) of the initial capital and contributions paid in and the final value",
    }),
    final_cash: z.number().nullable(),
    fees_paid: z.number().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Simulation");

export const SimulationIdPath = z.object({
  id: z.string().min(1).max(64).openapi({ example: "sim_0123456789abcdefghijkl" }),
});
