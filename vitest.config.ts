// Tests run inside workerd with the real wrangler.toml bindings and the real D1 migrations.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ENVIRONMENT: "test",
            JWT_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
            CORS_ORIGINS: "https://app.example.com",
            PASSWORD_ITERATIONS: "100000",
            // Small, so the per-email spray limit is reached in a test without hundreds of PBKDF2 checks.
            LOGIN_FAILURES_PER_EMAIL_PER_WINDOW: "20",
            SEED_ON_EMPTY: "false",
            TEST_MIGRATIONS: migrations,
            FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
            FUZZ_SEED: process.env.FUZZ_SEED ?? "",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});
