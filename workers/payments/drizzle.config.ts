import { defineConfig } from "drizzle-kit";

// Paths are from the repository root: `npm run db:generate -- payments` runs drizzle-kit there.
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/payments/schema.ts",
  out: "./migrations/payments",
});
