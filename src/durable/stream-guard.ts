// What a PriceHub shard enforces on authenticated sockets: a message rate per connection, and closing sockets
// whose credential was revoked (told at once by the revoking request, and found by a sweep every few seconds).
import { goneUsers, revokedAmong } from "../db/revocations";
import { CLOSE_UNAUTHORIZED, errorFrame, type SocketState } from "./stream-protocol";

/** Sockets are re-checked this often, so a revocation the shard was not told of still closes them within 10 s. */
export const SWEEP_EVERY_MS = 5_000;
/** Messages a connection may send per second; more get `rate_limited` error frames (API.md v1.1). */
export const MESSAGES_PER_SECOND = 20;

/** A connection's place in its user's stream quota lives this long unless the shard's sweep renews it. */
export const STREAM_LEASE_MS = 60_000;
/** Close code for a connection refused by the quota (a policy, not an authentication failure). */
export const CLOSE_QUOTA = 4008;

/** Counts each socket's messages in one-second windows; in memory only, so hibernation forgets (and forgives). */
export class MessageRate {
  private windows = new WeakMap<WebSocket, { start: number; count: number }>();

  /** True when this message is within the rate; false means answer it with a `rate_limited` frame instead. */
  admit(ws: WebSocket, now = Date.now()): boolean {
    const w = this.windows.get(ws);
    if (!w || now - w.start >= 1000) {
      this.windows.set(ws, { start: now, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= MESSAGES_PER_SECOND;
  }
}

export const rateLimitedFrame = () =>
  errorFrame("rate_limited", `at most ${MESSAGES_PER_SECOND} messages per second per connection`);

export function closeUnauthorized(ws: WebSocket, message: string): void {
  try {
    ws.send(errorFrame("unauthorized", message));
    ws.close(CLOSE_UNAUTHORIZED, "unauthorized");
  } catch {
    // already gone
  }
}

const authenticated = (sockets: WebSocket[]) =>
  sockets.flatMap((ws) => {
    const state = ws.deserializeAttachment() as SocketState | null;
    return state?.userId ? [{ ws, state }] : [];
  });

/** Closes the sockets authenticated with one of `subjects` (sessions `fam_…` or keys `key_…`); returns how many. */
export function closeRevoked(sockets: WebSocket[], subjects: string[]): number {
  const gone = new Set(subjects);
  let closed = 0;
  for (const { ws, state } of authenticated(sockets)) {
    if (state.credential && gone.has(state.credential)) {
      closeUnauthorized(ws, "the credential was revoked");
      closed++;
    }
  }
  return closed;
}

const chunks = <T>(list: T[], size: number) =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

/**
 * Re-checks every authenticated socket against D1: its credential's revocation record and its user's existence.
 * Covers revocations no request announced (an operator's role change, a user deleted in the database).
 */
export async function sweepRevoked(d1: D1Database, sockets: WebSocket[]): Promise<number> {
  const live = authenticated(sockets);
  if (!live.length) return 0;
  const subjects = [...new Set(live.flatMap(({ state }) => (state.credential ? [state.credential] : [])))];
  const users = [...new Set(live.map(({ state }) => state.userId!))];
  const revoked = new Set<string>();
  const gone = new Set<string>();
  for (const part of chunks(subjects, 100)) for (const s of await revokedAmong(d1, part)) revoked.add(s);
  for (const part of chunks(users, 100)) for (const u of await goneUsers(d1, part)) gone.add(u);
  let closed = 0;
  for (const { ws, state } of live) {
    if ((state.credential && revoked.has(state.credential)) || gone.has(state.userId!)) {
      closeUnauthorized(ws, "the credential was revoked");
      closed++;
    }
  }
  return closed;
}

/** Renews the quota leases of every authenticated socket, one call per user. */
export async function renewLeases(env: Env, sockets: WebSocket[]): Promise<void> {
  const byUser = new Map<string, string[]>();
  for (const { state } of authenticated(sockets)) {
    const list = byUser.get(state.userId!) ?? [];
    list.push(state.sid);
    byUser.set(state.userId!, list);
  }
  await Promise.allSettled(
    [...byUser].map(([user, ids]) => env.RATE_LIMITER.getByName(`streams:${user}`).renewStreams(ids, STREAM_LEASE_MS)),
  );
}
