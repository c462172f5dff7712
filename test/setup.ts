// Applies the real migrations to the per-file isolated D1 before any test runs.
import { applyD1Migrations } from "cloudflare:test";
import { testEnv } from "./helpers/test-env";

await applyD1Migrations(testEnv.DB, testEnv.TEST_MIGRATIONS);
