// Shapes of the US equity market's clock: its status at an instant and its calendar of sessions, holidays and half days.
import { z } from "@hono/zod-openapi";
import { CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY, MAX_CALENDAR_SPAN_DAYS } from "../domain/calendar";
import { fieldsParam, instant } from "./route-parts";

/** The supported years, as the document states them: 2000–2100. */
const YEAR_PATTERN = "(?:20\\d{2}|2100)";
const CALENDAR_DATE_PATTERN = `^${YEAR_PATTERN}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])$`;
const inSupportedYears = (s: string) => s.slice(0, 10) >= CALENDAR_FIRST_DAY && s.slice(0, 10) <= CALENDAR_LAST_DAY;
const SUPPORTED = `between ${CALENDAR_FIRST_DAY} and ${CALENDAR_LAST_DAY}`;

/** Each rule runs only while the earlier ones held, so a refused value gets one message. */
const afterEarlierRules = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a YYYY-MM-DD date")
  .refine(
    (s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
    },
    { message: "must be a real calendar date", ...afterEarlierRules },
  )
  .refine(inSupportedYears, { message: `must be ${SUPPORTED}`, ...afterEarlierRules })
  .openapi({ example: "2024-01-02", format: "date", pattern: CALENDAR_DATE_PATTERN });

/** The instant's own UTC date (not the date as written: 1999-12-31T23:30:00-05:00 is 2000-01-01 in UTC). */
const instantInSupportedYears = (s: string) => {
  const t = Date.parse(s);
  return Number.isFinite(t) && inSupportedYears(new Date(t).toISOString());
};

const at = instant
  .refine(instantInSupportedYears, { message: `must be an instant ${SUPPORTED} (UTC)`, ...afterEarlierRules })
  .openapi({
    description: `The instant to answer for (RFC 3339, e.g. 2024-11-29T19:00:00Z; a + offset is sent as %2B), ${SUPPORTED} in UTC; now by default`,
    pattern: `^${YEAR_PATTERN}-`,
    example: "2024-11-29T19:00:00Z",
  });

export const MarketStatusQuery = z.strictObject({ at: at.optional(), fields: fieldsParam });

const day = () => z.string().openapi({ format: "date", example: "2024-11-29" });
const utc = (description: string) => z.string().openapi({ format: "date-time", description });

const MARKET_PHASES = ["open", "closed", "pre", "post"] as const;

export const MarketStatus = z
  .object({
    market: z.enum(MARKET_PHASES).openapi({
      description:
        "`pre` 04:00–09:30, `open` the regular session (09:30–16:00, 13:00 on half days), `post` the four hours after the close, New York time, on trading days; `closed` otherwise",
    }),
    next_open: utc("The next regular-session open strictly after `as_of` (RFC 3339 UTC)"),
    next_close: utc("The current session's close while it is open, else the next session's close (RFC 3339 UTC)"),
    as_of: utc("The instant this status is for: `at`, or now (RFC 3339 UTC)"),
  })
  .openapi("MarketStatus");

export const MarketCalendarQuery = z.strictObject({
  start: calendarDate.optional().openapi({ description: "First day (New York); today's UTC date by default" }),
  end: calendarDate.optional().openapi({
    description: `Last day, inclusive; start + 365 days by default; not before start and at most ${MAX_CALENDAR_SPAN_DAYS} days after it`,
  }),
  fields: fieldsParam,
});

export const MarketCalendar = z
  .object({
    start: day(),
    end: day(),
    timezone: z.literal("America/New_York"),
    trading_days: z.array(
      z.object({
        date: day(),
        open: utc("Regular-session open, RFC 3339 UTC"),
        close: utc("Regular-session close (13:00 New York on a half day), RFC 3339 UTC"),
        early_close: z.boolean().openapi({ description: "The session closes at 13:00 New York" }),
      }),
    ),
    holidays: z
      .array(z.object({ date: day(), name: z.string() }))
      .openapi({ description: "Weekdays the market does not open, with the reason" }),
    early_closes: z
      .array(z.object({ date: day(), close: utc("13:00 New York, RFC 3339 UTC"), name: z.string() }))
      .openapi({ description: "Half days: the regular session closes at 13:00 New York" }),
  })
  .openapi("MarketCalendar");
