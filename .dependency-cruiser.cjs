/**
 * The ownership guard (`npm run guard`, and test/ownership-guard.test.ts): each worker owns its
 * schema, DB and logic; the only things another worker may import are its contracts:
 * `import type` of its router.ts, its events.ts, and its contract.ts (the zod inputs of the
 * procedures the gateway forwards, so they are checked at the edge without being copied). Paths are from the directory depcruise runs in.
 *
 * Test files (`*.test.ts`) may assemble real peers in-process, so the worker and shared rules
 * apply to the code that ships, not to its tests.
 */
const worker = "^workers/([^/]+)/";
const testFile = "\\.test\\.ts$";
/** The kit's parts (folders of shared/), lowest first; see the rules "kit-*-imports-only-below". */
const kitLayers = ["core", "db", "events", "rpc", "middleware", "worker", "mesh"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-peer-internals",
      comment: "A worker may import from another worker only its router.ts (as `import type`), its events.ts and its contract.ts; " + "never its schema, DB, service or anything else.",
      severity: "error",
      from: { path: worker, pathNot: testFile },
      to: {
        path: "^workers/[^/]+/",
        pathNot: ["^workers/$1/", "^workers/[^/]+/(router|events|contract)\\.ts$"],
      },
    },
    {
      name: "peer-router-type-only",
      comment: "A peer's router.ts is a type contract: `import type { XRouter }` only, so no peer code is bundled or run.",
      severity: "error",
      from: { path: worker, pathNot: testFile },
      to: {
        path: "^workers/[^/]+/router\\.ts$",
        pathNot: "^workers/$1/",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "events-contract-imports-shared-and-zod-only",
      comment: "A worker's events.ts is read by its consumers, so it may import nothing but shared/ and zod.",
      severity: "error",
      from: { path: "^workers/[^/]+/events\\.ts$" },
      to: { pathNot: ["^shared/", "(^|/)node_modules/zod/"] },
    },
    {
      name: "call-contract-imports-shared-and-zod-only",
      comment: "A worker's contract.ts is imported (as values) by its callers, so, like events.ts, it may import nothing but shared/ and zod.",
      severity: "error",
      from: { path: "^workers/[^/]+/contract\\.ts$" },
      to: { pathNot: ["^shared/", "(^|/)node_modules/zod/"] },
    },
    {
      name: "shared-not-to-workers",
      comment: "The kit (shared/) knows no worker: workers depend on the kit, never the other way round.",
      severity: "error",
      from: { path: "^shared/", pathNot: testFile },
      to: { path: "^workers/" },
    },
    // The kit's parts, lowest first: a part imports only the parts below it (and telemetry/, which
    // imports only shared/core/), so each can be read and tested without the ones above it.
    ...kitLayers.slice(0, -1).map((part, index) => ({
      name: `kit-${part}-imports-only-below`,
      comment: `shared/${part}/ may import only ${
        kitLayers
          .slice(0, index)
          .map((p) => `shared/${p}/`)
          .join(", ") || "no other part of the kit"
      }: the kit's parts depend one way (${kitLayers.join(" ← ")}).`,
      severity: "error",
      from: { path: `^shared/${part}/`, pathNot: testFile },
      to: { path: `^shared/(${kitLayers.filter((other) => other !== part && !kitLayers.slice(0, index).includes(other)).join("|")})/` },
    })),
    {
      name: "telemetry-imports-only-core",
      comment: "telemetry/ sits on shared/core/ (the request scope) and below every other part of the kit, which uses it.",
      severity: "error",
      from: { path: "^telemetry/", pathNot: testFile },
      to: { path: "^shared/", pathNot: "^shared/core/" },
    },
    {
      name: "no-cli-in-workers",
      comment: "The launcher and operations CLI (shared/mesh/) are run by people, never imported by a worker's runtime.",
      severity: "error",
      from: { path: "^(workers|telemetry)/", pathNot: testFile },
      to: { path: "^shared/mesh/" },
    },
    {
      name: "otel-sdk-only-in-telemetry",
      comment: "Only telemetry/ sets up the OpenTelemetry SDK; everything else uses @opentelemetry/api.",
      severity: "error",
      from: { pathNot: "^telemetry/" },
      to: { path: "(^|/)node_modules/@opentelemetry/sdk-" },
    },
    {
      name: "no-circular-between-workers",
      comment: "Workers must not depend on each other in a cycle, not even through types.",
      severity: "error",
      from: { path: worker },
      to: { circular: true, path: "^workers/[^/]+/", pathNot: "^workers/$1/" },
    },
    {
      name: "no-circular-inside-a-worker",
      comment:
        "Imports run one way inside a worker (worker.ts → router.ts → service.ts → …, its deps.ts a leaf), " +
        "so a file can be read and tested without the ones above it; a cycle counts even through types.",
      severity: "error",
      from: { path: worker },
      to: { circular: true, viaOnly: { path: "^workers/$1/" } },
    },
    {
      name: "no-circular-in-shared-or-telemetry",
      comment: "The kit and telemetry have no import cycle either (a cycle through a worker from here is one too).",
      severity: "error",
      from: { path: "^(shared|telemetry)/" },
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment: "An import the guard cannot resolve could hide a forbidden one.",
      severity: "error",
      from: { path: "^(workers|shared|telemetry)/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Keep type-only imports in the graph (tagged "type-only"), or `import type` would vanish.
    tsPreCompilationDeps: true,
    doNotFollow: { path: "(^|/)node_modules/" },
    exclude: { path: "(^|/)test/fixtures/" },
    moduleSystems: ["es6", "cjs"],
    // Resolve packages through their `exports` the way Bun and Node do (some ship ESM only).
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
