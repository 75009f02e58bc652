import { defineConfig } from "vitest/config";
import { pathWithSbin } from "./test/support/sbin-path";

// Unit and in-process tests run under Node (better-sqlite3); process tests spawn real Bun workers.
export default defineConfig({
  test: {
    include: ["workers/**/*.test.ts", "shared/**/*.test.ts", "telemetry/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["node_modules/**", "test/fixtures/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    // nats-server is in /usr/sbin on Debian, which a non-root PATH may lack.
    env: { PATH: pathWithSbin() },
  },
});
