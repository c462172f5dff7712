// The registry of job handlers by message kind, so each module plugs its own job in without editing the dispatcher.
import type { JobMessage } from "./messages";

export type JobKindName = JobMessage["kind"];
export type MessageOf<K extends JobKindName> = Extract<JobMessage, { kind: K }>;

export interface JobRunContext {
  /** 1 on the first delivery; the queue counts redeliveries and retries. */
  attempt: number;
}

/**
 * A handler owns its job row's transitions (markRunning / finishJob) and returns normally when the job reached a
 * final state. Throwing asks for a retry: a `PermanentJobError` fails the job at once, anything else is
 * retried with backoff until the queue gives up and the dead-letter consumer marks it `dead`.
 */
export type JobHandler<K extends JobKindName> = (
  env: Env,
  message: MessageOf<K>,
  ctx: JobRunContext,
) => Promise<unknown>;

/** A failure that retrying cannot fix (bad input, a vendor refusing the request). */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

/** A failure worth retrying later; `retryAfterSeconds` overrides the backoff when the cause says when. */
export class RetryableJobError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    readonly stats?: unknown,
  ) {
    super(message);
    this.name = "RetryableJobError";
  }
}

const handlers = new Map<JobKindName, JobHandler<JobKindName>>();

export function registerJobHandler<K extends JobKindName>(kind: K, handler: JobHandler<K>): void {
  handlers.set(kind, handler as unknown as JobHandler<JobKindName>);
}

export function jobHandler<K extends JobKindName>(kind: K): JobHandler<K> | undefined {
  return handlers.get(kind) as JobHandler<K> | undefined;
}
