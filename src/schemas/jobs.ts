// Admin job shapes: the refresh request, a job as admins see it, and the job list filters.
import { z } from "@hono/zod-openapi";
import { cursorParam, fieldsParam, isoDate, limitParam, listOf, startNotAfterEnd } from "./route-parts";

const today = () => new Date().toISOString().slice(0, 10);

export const RefreshBody = z
  .strictObject({
    symbols: z
      .array(z.string().regex(/^[A-Z0-9.^=-]{1,20}$/, "must be an upper-case ticker symbol"))
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: "Symbols to refresh (default: every active asset)", example: ["AAPL", "MSFT"] }),
    start: isoDate
      .optional()
      .openapi({ description: "First day to fetch (default: a few days before each symbol's last stored bar)" }),
    end: isoDate.optional().openapi({ description: "Last day to fetch (default: today)" }),
  })
  .refine(...startNotAfterEnd())
  .refine((b) => !b.start || b.start <= today(), { message: "start must not be in the future", path: ["start"] })
  .refine((b) => !b.end || b.end <= today(), { message: "end must not be in the future", path: ["end"] })
  .openapi("RefreshRequest");

export const JobAccepted = z
  .object({ job_id: z.string().openapi({ example: "job_3Fh2kP9xQmT7vR1sW4yZaB" }) })
  .openapi("JobAccepted");

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "dead"] as const;
export const JOB_KINDS = ["refresh", "backfill", "build", "simulation"] as const;

export const Job = z
  .object({
    id: z.string(),
    kind: z.enum(JOB_KINDS),
    status: z.enum(JOB_STATUSES),
    attempts: z.number().int(),
    error: z.string().nullable(),
    stats: z
      .looseObject({
        rows_inserted: z.number().int(),
        rows_revised: z.number().int(),
        symbols_failed: z.array(z.string()),
      })
      .openapi({
        description:
          "Refresh jobs also report rows_rejected, rejections, failures, market caps and actions, and capability_gaps: provider capabilities outside the key's plan (never called) or refused by the vendor (403)",
      }),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi("Job");

export const JobList = listOf(Job).openapi("JobList");

export const JobListQuery = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  kind: z.enum(JOB_KINDS).optional(),
  limit: limitParam(100),
  cursor: cursorParam,
  fields: fieldsParam,
});
