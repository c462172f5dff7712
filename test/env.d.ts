// Test-only bindings, declared beside the generated Env (as workers-sdk's vitest examples do).
import type { D1Migration } from "@cloudflare/vitest-plugin";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** Fuzz run size and seed, passed from the shell (FUZZ_RUNS, FUZZ_SEED) by vitest.config.ts. */
      FUZZ_RUNS: string;
      FUZZ_SEED: string;
    }
  }
}
