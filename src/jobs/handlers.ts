// What a job handler is: it runs one validated message and reports its outcome; the consumer records the job row.
import type { JobMessage } from "../schemas/messages";
import type { JobOutcome } from "../services/jobs";

export type JobKindName = JobMessage["kind"];
export type MessageOf<K extends JobKindName> = Extract<JobMessage, { kind: K }>;

export interface JobRunContext {
  /** 1 on the first delivery; the queue counts redeliveries and retries. */
  attempt: number;
  /** The stats the job row holds from an earlier attempt (a retry resumes from them), if any. */
  previousStats?: unknown;
}

/**
 * A handler returns the job's final outcome (succeeded or failed, with error and stats), which the consumer
 * writes to the job row. Throwing asks for a retry: a `PermanentJobError` fails the job at once, anything else is
 * retried with backoff until the queue gives up and the dead-letter consumer marks it `dead`.
 */
export type JobHandler<K extends JobKindName> = (
  env: Env,
  message: MessageOf<K>,
  ctx: JobRunContext,
) => Promise<JobOutcome>;

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
