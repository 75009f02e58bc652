import { defineConfig } from "vitest/config";

// Unit and in-process tests run under Node (better-sqlite3); process tests spawn real Bun workers.
export default defineConfig({
  test: {
    include: ["workers/**/*.test.ts", "shared/**/*.test.ts", "telemetry/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["node_modules/**", "test/fixtures/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});
