// drizzle-kit generates flat SQL migrations that `wrangler d1 migrations apply` and readD1Migrations read.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
});
