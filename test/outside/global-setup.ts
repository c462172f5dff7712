// Starts the Worker once for the tests from outside (real HTTP and WebSocket, as a client sees it): Miniflare
// over the same bundle and config `wrangler dev` uses, seeded like `npm run dev`; builds the SDK they import.
import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { startMiniflare } from "../../bench/lib.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    base: string;
  }
}

export default async function setup(project: TestProject) {
  execFileSync("npm", ["run", "build", "-w", "packages/client"], { stdio: "ignore" });
  const worker = await startMiniflare({
    port: 0,
    seed: true,
    // A small API-key bucket lets the SDK's retry test meet a real 429 from the real limiter quickly.
    vars: { RATE_LIMIT_KEY_PER_MINUTE: "30", SYNTHETIC_TICK_MS: "1000" },
  });
  project.provide("base", worker.base);
  return async () => {
    await worker.stop();
  };
}
