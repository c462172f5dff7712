// The one shape every domain function uses to say "this input cannot be computed, and here is why".

/** A computed value, or a machine-readable reason (for a 422 `code`/`detail`) why there is none. */
export type Outcome<T, R extends string = string> = { ok: true; value: T } | { ok: false; reason: R; detail: string };

export const success = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export const failure = <R extends string>(reason: R, detail: string): { ok: false; reason: R; detail: string } => ({
  ok: false,
  reason,
  detail,
});
