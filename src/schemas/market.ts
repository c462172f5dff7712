// Market-data shapes: assets, bars, quotes.
import { z } from "@hono/zod-openapi";
import {
  commaListPattern,
  cursorParam,
  dateRange,
  fieldsParam,
  formatParam,
  instant,
  isoDate,
  limitParam,
  listOf,
  startNotAfterEnd,
  TICKER_PATTERN,
} from "./route-parts";

export const ASSET_CLASSES = ["equity", "etf", "index", "crypto", "fx"] as const;

export const Asset = z
  .object({
    symbol: z.string(),
    name: z.string(),
    exchange: z.string(),
    asset_class: z.enum(ASSET_CLASSES),
    currency: z.string(),
    sector: z.string().nullable(),
    market_cap: z.number().nullable(),
    listed_at: z.string().nullable(),
    delisted_at: z.string().nullable(),
  })
  .openapi("Asset");

export const AssetList = listOf(Asset).openapi("AssetList");

export const AssetListQuery = z.strictObject({
  search: z.string().trim().min(1).max(64).optional().openapi({ description: "Symbol prefix or name substring" }),
  asset_class: z.enum(ASSET_CLASSES).optional(),
  exchange: z.string().trim().min(1).max(32).optional(),
  sector: z.string().trim().min(1).max(100).optional().openapi({
    description: "Sector name, exact and case-insensitive (e.g. Information Technology)",
    example: "Information Technology",
  }),
  limit: limitParam(100),
  cursor: cursorParam,
  fields: fieldsParam,
});

const symbolBody = z
  .string()
  .regex(/^[A-Z0-9.^=-]{1,20}$/, "must be 1-20 upper-case ticker characters")
  .openapi({ example: "ACME" });

export const CreateAssetBody = z
  .strictObject({
    symbol: symbolBody,
    name: z.string().trim().min(1).max(200),
    exchange: z.string().trim().min(1).max(32),
    asset_class: z.enum(ASSET_CLASSES),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code")
      .default("USD"),
    sector: z.string().trim().min(1).max(100).nullable().optional(),
    listed_at: isoDate.nullable().optional(),
    market_cap: z.number().finite().positive().max(1e16).optional().openapi({
      description: "A first market-cap observation (currency units), stored in the dated history as of market_cap_date",
    }),
    shares_outstanding: z
      .number()
      .finite()
      .positive()
      .max(1e13)
      .optional()
      .openapi({ description: "Shares outstanding behind market_cap (needs market_cap)" }),
    market_cap_date: isoDate
      .optional()
      .openapi({ description: "The day market_cap is of (default: today, UTC); not in the future" }),
  })
  .superRefine((b, ctx) => {
    if (b.market_cap === undefined) {
      if (b.shares_outstanding !== undefined)
        ctx.addIssue({ code: "custom", path: ["market_cap"], message: "required with shares_outstanding" });
      if (b.market_cap_date !== undefined)
        ctx.addIssue({ code: "custom", path: ["market_cap_date"], message: "applies only with market_cap" });
    }
    if (b.market_cap_date !== undefined && b.market_cap_date > new Date().toISOString().slice(0, 10))
      ctx.addIssue({ code: "custom", path: ["market_cap_date"], message: "must not be in the future" });
  })
  .openapi("CreateAsset");

export const PatchAssetBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    exchange: z.string().trim().min(1).max(32).optional(),
    asset_class: z.enum(ASSET_CLASSES).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code")
      .optional(),
    sector: z.string().trim().min(1).max(100).nullable().optional(),
    listed_at: isoDate.nullable().optional(),
    delisted_at: isoDate.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "at least one field is required")
  .openapi("PatchAsset", { minProperties: 1 });

/** A day's raw open, high, low and close, as bars and their revisions carry them. */
export const ohlc = { open: z.number(), high: z.number(), low: z.number(), close: z.number() };

export const Bar = z
  .object({
    date: z.string(),
    ...ohlc,
    adj_close: z.number(),
    volume: z.number(),
  })
  .openapi("Bar");

export const BarList = listOf(Bar).openapi("BarList");

export const PriceQuery = z
  .strictObject({
    ...dateRange,
    order: z.enum(["asc", "desc"]).default("asc"),
    as_of: instant.optional().openapi({ description: "Answer with the values as they were known at this instant" }),
    adjustment: z.enum(["raw", "split", "all"]).default("raw").openapi({
      description:
        "raw: stored OHLCV plus adj_close; split: prices divided and volume multiplied by the cumulative split factor; all: prices split- and dividend-adjusted (CRSP factors), volume split-adjusted, so adj_close equals close",
    }),
    limit: limitParam(1000),
    cursor: cursorParam,
    fields: fieldsParam,
    format: formatParam,
  })
  .refine(...startNotAfterEnd());

export const Quote = z
  .object({
    symbol: z.string(),
    price: z.number(),
    change: z.number(),
    change_pct: z.number(),
    ts: z.string(),
    source: z.string(),
  })
  .openapi("Quote");

export const QuoteQuery = z.strictObject({
  symbols: z
    .string()
    .min(1)
    .max(2200)
    .transform((s) => [
      ...new Set(
        s
          .split(",")
          .map((x) => x.trim().toUpperCase())
          .filter(Boolean),
      ),
    ])
    .pipe(
      z
        .array(z.string().regex(/^[A-Z0-9.^=-]{1,20}$/, "each symbol must be a ticker"))
        .min(1, "at least one symbol is required")
        .max(100, "at most 100 symbols"),
    )
    .openapi({
      type: "string",
      pattern: commaListPattern(TICKER_PATTERN, 1, 100),
      description: "1 to 100 comma-separated ticker symbols (repeats are answered once)",
      example: "AAPL,MSFT",
    }),
  fields: fieldsParam,
});

export const QuoteList = z.object({ data: z.array(Quote), missing: z.array(z.string()) }).openapi("QuoteList");
