import { defineConfig } from "drizzle-kit";

// Paths are from the repository root: `npm run db:generate -- inventory` runs drizzle-kit there.
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/inventory/schema.ts",
  out: "./migrations/inventory",
});
