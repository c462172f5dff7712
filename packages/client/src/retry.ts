// A fetch that retries 429 and 503 answers, waiting what Retry-After says (seconds or an HTTP date).
export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** Wait when the answer has no Retry-After, doubled per retry (default 500 ms). */
  baseDelayMs?: number;
  /** The longest wait the client accepts; a longer Retry-After ends the retries (default 30 s). */
  maxDelayMs?: number;
  /** Injected for tests; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** Milliseconds a Retry-After header asks for, or undefined when it is absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const RETRIED = new Set([429, 503]);
const SAFE = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/**
 * A 429 was refused before any work, so it is always retried; a 503 only when repeating is harmless: a safe
 * method, or a request that carries an Idempotency-Key (the server replays rather than repeats it).
 */
function mayRetry(request: Request, status: number): boolean {
  if (!RETRIED.has(status)) return false;
  return status === 429 || SAFE.has(request.method) || request.headers.has("idempotency-key");
}

export function retryingFetch(base: typeof fetch, options: RetryOptions = {}): (input: Request) => Promise<Response> {
  const retries = options.retries ?? 3;
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      // Each attempt sends a copy: a body can be read only once.
      const response = await base(request.clone());
      if (attempt >= retries || !mayRetry(request, response.status)) return response;
      const wait = retryAfterMs(response.headers.get("retry-after")) ?? baseDelay * 2 ** attempt;
      if (wait > maxDelay) return response;
      await response.body?.cancel();
      await sleep(wait);
    }
  };
}
