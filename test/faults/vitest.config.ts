import { defineConfig } from "vitest/config";
import { pathWithSbin } from "../support/sbin-path";

// The fault suite runs alone (`npm run test:faults`): minutes of load with processes killed.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/faults/**/*.faults.ts"],
    pool: "forks",
    testTimeout: 900_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    // nats-server is in /usr/sbin on Debian, which a non-root PATH may lack.
    env: { PATH: pathWithSbin() },
  },
});
