import { defineConfig } from "drizzle-kit";

// Paths are from the repository root: `npm run db:generate -- users` runs drizzle-kit there.
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/users/schema.ts",
  out: "./migrations/users",
});
