// The test environment: the Worker's bindings plus the ones only vitest.config.ts provides (the migrations and
// the fuzz run's size and seed), typed here rather than on the Worker's global Env.
import { env } from "cloudflare:test";
import type { D1Migration } from "@cloudflare/vitest-plugin";

export interface TestEnv extends Env {
  TEST_MIGRATIONS: D1Migration[];
  /** Fuzz run size and seed, passed from the shell (FUZZ_RUNS, FUZZ_SEED) by vitest.config.ts. */
  FUZZ_RUNS: string;
  FUZZ_SEED: string;
}

export const testEnv = env as TestEnv;
