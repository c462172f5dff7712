// The /v1/stream wire protocol: client actions (validated), server frames, close codes and what a shard stores per socket.
import { z } from "zod";
import type { AlertNotice, IndexLevelFrame, SequencedQuote, Tick } from "../domain/ticks";

export type { AlertNotice, IndexLevelFrame, SequencedQuote, Tick };

/** Close code for a failed or late authentication (4000-4999 is the application range). */
export const CLOSE_UNAUTHORIZED = 4001;
/** How long a fresh socket may stay anonymous before it is closed 4001. */
export const AUTH_DEADLINE_MS = 10_000;
/** The exact ping string answered by the runtime without waking a hibernated shard. */
export const PING_MESSAGE = '{"action":"ping"}';
export const PONG_MESSAGE = '{"type":"pong"}';

const symbol = z
  .string()
  .min(1)
  .max(20)
  .regex(/^[A-Za-z0-9.^=-]{1,20}$/)
  .transform((s) => s.toUpperCase());
const indexId = z.string().regex(/^idx_[0-9A-Za-z]{1,64}$/);
// Bounded so a hostile frame cannot make a shard do unbounded work before the subscription limit is applied.
const symbolList = z.array(symbol).max(1000).default([]);
const indexList = z.array(indexId).max(1000).default([]);

export const ClientMessage = z.discriminatedUnion("action", [
  z.object({ action: z.literal("auth"), token: z.string().min(1).max(4096) }),
  z.object({ action: z.literal("subscribe"), symbols: symbolList, indexes: indexList }),
  z.object({ action: z.literal("unsubscribe"), symbols: symbolList, indexes: indexList }),
  z.object({ action: z.literal("ping") }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Every `code` an error frame can carry (the AsyncAPI document lists these). */
export const ERROR_CODES = [
  "bad_message",
  "unknown_symbol",
  "too_many_subscriptions",
  "unauthorized",
  "rate_limited",
  "quota_exceeded",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a shard keeps on each socket (kept small: attachments are capped at 2 KiB). */
export interface SocketState {
  /** Shard-local socket id; the key of this socket's rows in the shard's `subscription` table. */
  sid: string;
  userId: string | null;
  /** Epoch ms by which an anonymous socket must authenticate. */
  deadline: number;
  /** What the socket authenticated with (session `fam_…` or key `key_…`): revoking it closes the socket. */
  credential?: string;
}

export function quoteFrame(q: SequencedQuote): string {
  const change = q.previous_close ? q.price - q.previous_close : undefined;
  return JSON.stringify({
    type: "quote",
    symbol: q.symbol,
    price: q.price,
    ...(change !== undefined && q.previous_close
      ? { change: round(change, 6), change_pct: round((change / q.previous_close) * 100, 4) }
      : {}),
    ts: q.ts,
    seq: q.seq,
  });
}

export const indexFrame = (l: IndexLevelFrame) =>
  JSON.stringify({ type: "index", id: l.id, value: l.value, ts: l.ts, seq: l.seq });

export const alertFrame = (a: AlertNotice) =>
  JSON.stringify({
    type: "alert",
    id: a.id,
    kind: a.kind,
    ...(a.index_id ? { index_id: a.index_id } : {}),
    ...(a.symbol ? { symbol: a.symbol } : {}),
    ...(a.price !== undefined ? { price: a.price } : {}),
    value: a.value,
    ts: a.ts,
    message: a.message,
  });

export const errorFrame = (code: ErrorCode, message: string) => JSON.stringify({ type: "error", code, message });

export const statusFrame = (status: "authenticated") => JSON.stringify({ type: "status", status });

export const subscribedFrame = (symbols: string[], indexes: string[]) =>
  JSON.stringify({ type: "subscribed", symbols, indexes });

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Parses one client frame; binary and oversized frames are malformed by definition. */
export function parseClientMessage(
  raw: string | ArrayBuffer,
): { ok: true; msg: ClientMessage } | { ok: false; message: string } {
  if (typeof raw !== "string") return { ok: false, message: "frames must be JSON text" };
  if (raw.length > 64 * 1024) return { ok: false, message: "frame too large" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, message: "frame is not valid JSON" };
  }
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    return { ok: false, message: `${where}${first?.message ?? "invalid message"}` };
  }
  return { ok: true, msg: parsed.data };
}
