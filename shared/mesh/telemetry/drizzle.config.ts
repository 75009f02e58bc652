import { defineConfig } from "drizzle-kit";

// The telemetry process's trace store; paths from the repository root:
// `npx drizzle-kit generate --config shared/mesh/telemetry/drizzle.config.ts`.
export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/mesh/telemetry/schema.ts",
  out: "./migrations/telemetry",
});
