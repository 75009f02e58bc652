import { defineConfig } from "drizzle-kit";

// Paths are from the repository root: `npm run db:generate -- reporting` runs drizzle-kit there.
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/reporting/schema.ts",
  out: "./migrations/reporting",
});
