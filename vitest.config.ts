import { defineConfig } from "vitest/config";
import { delimiter } from "node:path";

// Debian installs nats-server in /usr/sbin, which a non-root PATH may lack: the tests, and the
// launchers they spawn, get it at the end of their PATH.
const path = process.env["PATH"] ?? "";
const pathWithSbin = path.split(delimiter).includes("/usr/sbin") ? path : `${path}${delimiter}/usr/sbin`;

// Unit and in-process tests run under Node (better-sqlite3); process tests spawn real Bun workers.
export default defineConfig({
  test: {
    include: ["workers/**/*.test.ts", "shared/**/*.test.ts", "telemetry/**/*.test.ts", "soak/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["node_modules/**", "test/fixtures/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    env: { PATH: pathWithSbin },
  },
});
