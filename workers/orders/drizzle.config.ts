import { defineConfig } from "drizzle-kit";

// Paths are from the repository root: `npm run db:generate -- orders` runs drizzle-kit there.
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/orders/schema.ts",
  out: "./migrations/orders",
});
