// Shapes of an asset's history beyond current bars: corporate actions and every revision of a day's bar.
import { z } from "@hono/zod-openapi";
import { ohlc } from "./market";
import { cursorParam, dateRange, fieldsParam, isoDate, limitParam, listOf, startNotAfterEnd } from "./route-parts";

export const CorporateActions = z
  .object({
    splits: z.array(
      z.object({ date: z.string(), ratio: z.number().openapi({ description: "New shares per old share" }) }),
    ),
    dividends: z.array(
      z.object({ ex_date: z.string(), amount: z.number().openapi({ description: "Cash per share" }) }),
    ),
  })
  .openapi("CorporateActions");

export const CorporateActionsQuery = z
  .strictObject({ ...dateRange, fields: fieldsParam })
  .refine(...startNotAfterEnd());

export const BarRevision = z
  .object({
    date: z.string(),
    ...ohlc,
    volume: z.number(),
    recorded_at: z.string().openapi({ description: "When this version was stored" }),
    superseded_at: z
      .string()
      .nullable()
      .openapi({ description: "When a newer version replaced it; null for the current one" }),
    source: z.string(),
  })
  .openapi("BarRevision");

export const BarRevisions = z.object({ data: z.array(BarRevision) }).openapi("BarRevisions");

export const RevisionsQuery = z.strictObject({ date: isoDate, fields: fieldsParam });

export const MarketCapPoint = z
  .object({
    date: z.string(),
    market_cap: z.number().openapi({ description: "Shares outstanding × raw close of that day" }),
    shares_outstanding: z
      .number()
      .nullable()
      .openapi({ description: "Shares outstanding behind the cap; null when the source did not report them" }),
  })
  .openapi("MarketCapPoint");

export const MarketCapList = listOf(MarketCapPoint).openapi("MarketCapList");

export const MarketCapQuery = z
  .strictObject({
    ...dateRange,
    limit: limitParam(1000),
    cursor: cursorParam,
    fields: fieldsParam,
  })
  .refine(...startNotAfterEnd());
