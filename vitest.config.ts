// Two projects: `workers` runs inside workerd with the real wrangler.toml bindings and the real D1 migrations;
// `outside` talks to a running Worker over real HTTP and WebSocket, as a client, the SDK and a browser do.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { siteWorkerOptions } from "./scripts/local-settings.mjs";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The assets-only Worker the ASSETS service binding names (site/wrangler.toml): the dashboard and /docs' files.
  const site = await siteWorkerOptions(import.meta.dirname);
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                workers: [site],
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
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/outside/**"],
            setupFiles: ["./test/setup.ts"],
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
        {
          test: {
            name: "outside",
            include: ["test/outside/**/*.test.ts"],
            environment: "node",
            globalSetup: ["./test/outside/global-setup.ts"],
            testTimeout: 60_000,
            hookTimeout: 120_000,
            // One Worker and one browser for the whole project: files run one after another.
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
