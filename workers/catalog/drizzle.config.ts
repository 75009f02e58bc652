import { defineConfig } from "drizzle-kit";

// Paths are from the repository root: `npm run db:generate -- catalog` runs drizzle-kit there.
// The FTS5 search index is a custom migration (drizzle-kit cannot declare virtual tables).
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/catalog/schema.ts",
  out: "./migrations/catalog",
});
