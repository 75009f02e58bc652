import { defineConfig } from "vitest/config";
import { delimiter } from "node:path";

// The fault suite runs alone (`npm run test:faults`): minutes of load with processes killed.
// Debian installs nats-server in /usr/sbin, which a non-root PATH may lack: the tests, and the
// launchers they spawn, get it at the end of their PATH.
const path = process.env["PATH"] ?? "";
const pathWithSbin = path.split(delimiter).includes("/usr/sbin") ? path : `${path}${delimiter}/usr/sbin`;

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/faults/**/*.faults.ts"],
    pool: "forks",
    testTimeout: 900_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    env: { PATH: pathWithSbin },
  },
});
