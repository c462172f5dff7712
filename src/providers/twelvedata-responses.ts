// Twelve Data's responses: the documented shapes, validated (numbers arrive as strings), and what they mean
// as bars, quotes and "no data" answers.
import { z } from "zod";
import type { Bar, ProviderError, Quote } from "./types";

// Numbers arrive as strings; "" or "NaN" must fail rather than coerce to 0 (z.number() refuses NaN and ±Infinity).
const num = z
  .union([z.number(), z.string().trim().min(1)])
  .transform(Number)
  .pipe(z.number());
const price = num.pipe(z.number().positive());
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}/)
  .transform((s) => s.slice(0, 10));

export const errorBody = z.object({
  status: z.literal("error"),
  code: z.coerce.number().int(),
  message: z.string().default(""),
});

const seriesBody = z.object({
  status: z.literal("ok").optional(),
  values: z.array(
    z
      .object({
        datetime: day,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: num.pipe(z.number().min(0)).optional(),
      })
      .refine((b) => b.high >= b.low, "high below low"),
  ),
});

const quoteBody = z.object({
  symbol: z.string(),
  close: price,
  previous_close: price,
  timestamp: z.number().optional(),
  last_quote_at: z.number().optional(),
  datetime: z.string().optional(),
});

export const statisticsBody = z.object({
  statistics: z.object({
    valuations_metrics: z.object({ market_capitalization: num.pipe(z.number().positive()).nullish() }).partial(),
  }),
});

export const marketCapBody = z.object({
  market_cap: z.array(z.object({ date: day, value: num.pipe(z.number().positive()) })),
});

export const splitsBody = z.object({
  splits: z.array(
    z.object({
      date: day,
      ratio: num.pipe(z.number().positive()).optional(),
      from_factor: num.pipe(z.number().positive()).optional(),
      to_factor: num.pipe(z.number().positive()).optional(),
    }),
  ),
});

export const dividendsBody = z.object({
  dividends: z.array(z.object({ ex_date: day, amount: num.pipe(z.number().min(0)) })),
});

/** "No data is available on the specified dates" is an empty range, not a failure. */
export const isNoData = (e: ProviderError) => e.kind === "client" && /no data is available/i.test(e.message);

/** Ascending, one bar per date (the later duplicate wins), inside [start, end]. */
export function toBars(body: unknown, start: string, end: string): Bar[] {
  const parsed = seriesBody.safeParse(body);
  if (!parsed.success) throw new Error(`unexpected time_series response: ${parsed.error.issues[0]?.message}`);
  const byDate = new Map<string, Bar>();
  for (const v of parsed.data.values) {
    if (v.datetime < start || v.datetime > end) continue;
    byDate.set(v.datetime, {
      date: v.datetime,
      open: v.open,
      high: v.high,
      low: v.low,
      close: v.close,
      volume: v.volume ?? 0,
    });
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

export function toQuote(body: unknown, symbol: string): Quote {
  const parsed = quoteBody.safeParse(body);
  if (!parsed.success) throw new Error(`unexpected quote response: ${parsed.error.issues[0]?.message}`);
  const q = parsed.data;
  const unix = q.last_quote_at ?? q.timestamp;
  const ts = unix !== undefined ? new Date(unix * 1000) : new Date(`${q.datetime ?? ""}T00:00:00Z`);
  if (Number.isNaN(ts.getTime())) throw new Error("quote has no usable time");
  return { symbol, price: q.close, previous_close: q.previous_close, ts: ts.toISOString() };
}
