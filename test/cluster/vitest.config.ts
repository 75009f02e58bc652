import { defineConfig } from "vitest/config";

// The cluster suite runs alone (`npm run test:cluster`, as root): three network-namespace hosts, a
// three-node NATS cluster and the mesh spread over them, with hosts cut off and killed.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/cluster/**/*.cluster.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 240_000,
    reporters: ["default"],
  },
});
