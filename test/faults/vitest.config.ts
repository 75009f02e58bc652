import { defineConfig } from "vitest/config";

// The fault suite runs alone (`npm run test:faults`): minutes of load with processes killed.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/faults/**/*.faults.ts"],
    pool: "forks",
    testTimeout: 900_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
