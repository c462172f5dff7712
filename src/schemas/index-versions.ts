// Shapes of index versions: the version list, the `?version=` parameter, the diff of two versions.
import { z } from "@hono/zod-openapi";
import { cursorParam, fieldsParam, instant, limitParam, listOf } from "./route-parts";

export const versionParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(1_000_000)
  .optional()
  .openapi({ description: "Read this built version instead of the ready one (see /versions)" });

export const IndexVersion = z
  .object({
    version: z.number().int(),
    status: z.enum(["building", "ready", "failed", "superseded"]),
    reason: z.enum(["created", "changed", "rebuild", "corporate_action", "data_revised"]),
    created_at: z.string().openapi({ description: "When this version was requested" }),
    methodology_hash: z
      .string()
      .nullable()
      .openapi({ description: "SHA-256 over the normalized definition and the engine's methodology version" }),
    data_as_of: z
      .string()
      .nullable()
      .openapi({ description: "The instant bars, corporate actions and market caps were read as of" }),
    failure_reason: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable().openapi({
      description:
        "Build notes: engine (the METHODOLOGY_VERSION that built it), market_caps (per constituent: point_in_time, constant_shares_fallback or none), benchmark_used, excluded",
    }),
  })
  .openapi("IndexVersion");

export const IndexVersionList = listOf(IndexVersion).openapi("IndexVersionList");
export const VersionsQuery = z.strictObject({ limit: limitParam(100), cursor: cursorParam, fields: fieldsParam });

export const DiffQuery = z
  .strictObject({
    from: z.coerce.number().int().min(1).max(1_000_000),
    to: z.coerce.number().int().min(1).max(1_000_000),
    fields: fieldsParam,
  })
  .openapi({ description: "Two built versions of the index" });

const weightChange = z.object({ symbol: z.string(), from: z.number(), to: z.number(), change: z.number() });
const level = z.object({ date: z.string(), value: z.number() }).nullable();
export const IndexDiff = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    methodology_hash: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    data_as_of: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    constituents: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
    rebalances: z.array(
      z.object({ date: z.string(), in_from: z.boolean(), in_to: z.boolean(), changes: z.array(weightChange) }).openapi({
        description:
          "A date either version rebalances on; `in_from`/`in_to` say which. A side that does not rebalance that day gives the weights its own last rebalance set (0 before its first).",
      }),
    ),
    levels: z.object({
      common_days: z.number().int(),
      max_abs_difference: z.number(),
      max_abs_difference_date: z.string().nullable(),
      final_from: level,
      final_to: level,
    }),
  })
  .openapi("IndexDiff");

export const RebuildQuery = z.strictObject({
  data_as_of: instant.optional().openapi({
    description: "Read inputs as they were known at this instant (a version's data_as_of reproduces it exactly)",
  }),
});
