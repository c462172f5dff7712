// Types of the bench plumbing that tests from outside the Worker reuse (test/outside/global-setup.ts).
export interface RunningWorker {
  base: string;
  pid: number | undefined;
  stop: () => Promise<void>;
  mode: string;
}
export function startMiniflare(options?: {
  port?: number;
  vars?: Record<string, string>;
  seed?: boolean;
}): Promise<RunningWorker>;
