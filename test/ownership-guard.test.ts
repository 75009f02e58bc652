import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

// The guard is the real depcruise binary with the repo's rules, run where `npm run guard` runs it.
const root = fileURLToPath(new URL("..", import.meta.url));
const depcruise = join(root, "node_modules/.bin/depcruise");
const config = join(root, ".dependency-cruiser.cjs");
const fixture = join(root, "test/fixtures/ownership");

interface Violation {
  type: string;
  from: string;
  to: string;
  rule: { name: string; severity: string };
  /** For a cycle: its modules, from `to` round to `from`. */
  cycle?: { name: string; dependencyTypes: string[] }[];
}

interface GuardRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const folders = ["workers", "shared", "telemetry"];

function runGuard(cwd: string, extraArgs: string[] = []): Promise<GuardRun> {
  return new Promise((resolve, reject) => {
    execFile(depcruise, [...folders, "--config", config, ...extraArgs], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exitCode = error ? error.code : 0;
      if (typeof exitCode !== "number") return reject(new Error(`depcruise did not run: ${stderr || error?.message}`));
      resolve({ exitCode, stdout, stderr });
    });
  });
}

/** The guard's findings as data (the JSON reporter always exits 0; the default one fails the build). */
async function violationsIn(cwd: string): Promise<Violation[]> {
  const run = await runGuard(cwd, ["--output-type", "json"]);
  // e.g. "Can't open 'telemetry' for reading": a folder the guard covers is missing.
  if (!run.stdout.trim().startsWith("{")) throw new Error(`depcruise gave no report: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

// A package resolves through the node_modules symlink of a worktree too: name it from node_modules/ on.
const inNodeModules = (path: string) => path.replace(/^.*\/node_modules\//, "node_modules/");
const described = (v: Violation) => `${v.rule.name}: ${v.from} -> ${inNodeModules(v.to)}`;
// A cycle is reported once, from whichever of its modules depcruise meets first: name it by its members.
const cycleMembers = (v: Violation) => (v.cycle ?? []).map((m) => m.name).sort();
const describedCycle = (v: Violation) => `${v.rule.name}: ${cycleMembers(v).join(" ")}`;

describe("ownership guard (dependency-cruiser)", () => {
  // Each depcruise run takes a couple of seconds: the fixture's report is read once and shared.
  let fixtureReport: Promise<Violation[]> | undefined;
  const fixtureViolations = () => (fixtureReport ??= violationsIn(fixture));

  it("passes on the real tree, run as `npm run guard` runs it", async () => {
    const run = await runGuard(root);
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("no dependency violations found");
    expect(run.exitCode).toBe(0);
  });

  it("fails on the fixture, naming each forbidden import and only those", async () => {
    const violations = await fixtureViolations();
    const dependencyViolations = violations
      .filter((v) => v.type !== "cycle")
      .map(described)
      .sort();
    expect(dependencyViolations).toEqual(
      [
        "no-peer-internals: workers/a/reads-peer-schema.ts -> workers/b/schema.ts",
        "no-peer-internals: workers/a/types-peer-schema.ts -> workers/b/schema.ts",
        "peer-router-type-only: workers/a/runs-peer-router.ts -> workers/b/router.ts",
        "shared-not-to-workers: shared/leaks-worker-schema.ts -> workers/b/schema.ts",
        "kit-core-imports-only-below: shared/core/reaches-up.ts -> shared/worker/factory.ts",
        "no-cli-in-workers: workers/a/imports-cli.ts -> shared/mesh/cli.ts",
        "events-contract-imports-shared-and-zod-only: workers/c/events.ts -> workers/c/schema.ts",
        "call-contract-imports-shared-and-zod-only: workers/c/contract.ts -> workers/c/schema.ts",
        "otel-sdk-only-in-telemetry: workers/a/starts-otel-sdk.ts -> node_modules/@opentelemetry/sdk-node/build/src/index.js",
      ].sort(),
    );
  });

  it("fails on each import cycle of the fixture, once, even one made of `import type` only", async () => {
    const cycles = (await fixtureViolations()).filter((v) => v.type === "cycle");
    expect(cycles.map(describedCycle).sort()).toEqual(
      [
        // Two workers' routers typing each other.
        "no-circular-between-workers: workers/c/router.ts workers/d/router.ts",
        // Inside one worker: router.ts and worker.ts through types only, as they used to; a three-file loop of values.
        "no-circular-inside-a-worker: workers/e/router.ts workers/e/worker.ts",
        "no-circular-inside-a-worker: workers/f/saga.ts workers/f/service.ts workers/f/store.ts",
        "no-circular-in-shared-or-telemetry: shared/loop-clock.ts shared/loop-log.ts",
      ].sort(),
    );
    const typeOnly = cycles.find((v) => v.from.startsWith("workers/e/"));
    expect(typeOnly?.cycle?.every((m) => m.dependencyTypes.includes("type-only"))).toBe(true);
  });

  it("lets the contracts through: import type of a peer's router, its events.ts and its contract.ts", async () => {
    const fromAllowedFiles = (await fixtureViolations()).filter((v) =>
      [
        "workers/a/types-peer-router.ts",
        "workers/a/consumes-peer-events.ts",
        "workers/a/forwards-peer-contract.ts",
        "workers/b/events.ts",
        "workers/b/contract.ts",
        "telemetry/sdk.ts",
      ].includes(v.from),
    );
    expect(fromAllowedFiles.map(described)).toEqual([]);
  });

  it("fails the build on the fixture: exit code = number of errors, each named", async () => {
    const broken = await runGuard(fixture);
    expect(broken.exitCode).toBe(13);
    expect(broken.stdout).toContain("error no-peer-internals: workers/a/reads-peer-schema.ts → workers/b/schema.ts");
    expect(broken.stdout).toContain("error no-circular-inside-a-worker: workers/e/router.ts");
    expect(broken.stdout).toContain("error kit-core-imports-only-below: shared/core/reaches-up.ts → shared/worker/factory.ts");
  });
});
