// Backtest shapes: the request (an inline index definition or an index id) and the result.
import { z } from "@hono/zod-openapi";
import { isoDate } from "./common";
import { IndexDefinitionBody, Metrics } from "./indexes";

export const SimulationBody = z
  .strictObject({
    index: IndexDefinitionBody.optional().openapi({ description: "An index definition, as POST /v1/indexes takes" }),
    index_id: z.string().min(1).max(64).optional().openapi({ description: "One of the caller's indexes" }),
    start: isoDate,
    end: isoDate,
    initial_capital: z.number().finite().positive().max(1e12),
    fee_bps: z.number().finite().min(0).max(1000).default(0),
    slippage_bps: z.number().finite().min(0).max(1000).default(0),
  })
  .superRefine((b, ctx) => {
    if ((b.index === undefined) === (b.index_id === undefined)) {
      ctx.addIssue({ code: "custom", path: ["index"], message: "give exactly one of index and index_id" });
    }
    if (b.start > b.end) ctx.addIssue({ code: "custom", path: ["end"], message: "end must not be before start" });
  })
  .openapi("SimulationRequest");
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
    equity_curve: z.array(z.object({ date: z.string(), value: z.number() })),
    trades: z.array(
      z.object({ date: z.string(), symbol: z.string(), qty: z.number(), price: z.number(), fee: z.number() }),
    ),
    metrics: Metrics.nullable(),
    twr: z
      .number()
      .nullable()
      .openapi({ description: "Time-weighted return over the run (chain-linked daily, flows excluded)" }),
    mwr: z.number().nullable().openapi({
      description: "Money-weighted return: the annual IRR (ACT/365) of the capital invested and the final value",
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
