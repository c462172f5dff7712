// Waiting for work another request started in this isolate, without awaiting that request's promise.
// workerd ties a promise's I/O to the request that started it: a second request awaiting it runs its continuation
// in the first request's context (its own I/O then fails with "Cannot perform I/O on behalf of a different
// request") or hangs when the first request ends first. So a waiter never awaits a foreign promise: it polls the
// isolate's shared state on its own timers and then does what is left in its own context.

/** How long a waiter polls before it stops waiting and does the work itself. */
export const SHARED_WORK_WAIT_MS = 2_000;

/**
 * Resolves once `busy()` is false, or after `limitMs` (the caller then does the work itself). Timers are the
 * waiter's own, so nothing another request started is awaited here.
 */
export async function waitWhileBusy(busy: () => boolean, limitMs = SHARED_WORK_WAIT_MS): Promise<void> {
  let waited = 0;
  let step = 1;
  while (busy() && waited < limitMs) {
    await new Promise((resolve) => setTimeout(resolve, step));
    waited += step;
    step = Math.min(step * 2, 25);
  }
}
