/** Writing a planned worker: a failure midway (here its first migration, in a tree without the kit's db:generate) removes everything it wrote; the next steps name the files to edit. */
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WorkerPlan } from "./plan";
import { nextSteps, writeWorker } from "./write";

const plan: WorkerPlan = { name: "shipping", pascal: "Shipping", portOffset: 7, ownsData: true, publishes: true, consumes: null };

describe("writing a new worker", () => {
  it("removes its folder and its migrations again when its first migration cannot be generated, and leaves the rest of the tree as it was", async () => {
    const root = mkdtempSync(join(tmpdir(), "bunmesh-write-"));
    mkdirSync(join(root, "workers", "users"), { recursive: true });
    writeFileSync(join(root, "workers", "users", "main.ts"), "// another worker\n");
    await expect(writeWorker(root, plan)).rejects.toThrow(/^the first migration of shipping failed \(npm run db:generate -- shipping --name init\)/);
    expect(existsSync(join(root, "workers", "shipping"))).toBe(false);
    expect(existsSync(join(root, "migrations", "shipping"))).toBe(false);
    expect(readdirSync(join(root, "workers"), { recursive: true })).toEqual(["users", join("users", "main.ts")]);
    rmSync(root, { recursive: true, force: true });
  });

  it("says what to edit next for what the worker has", () => {
    const steps = nextSteps(plan).join("\n");
    expect(steps).toMatch(/^next:\n/);
    expect(steps).toContain("workers/shipping/schema.ts: your tables in place of the example items, then npm run db:generate -- shipping --name <change>");
    expect(steps).toContain("workers/shipping/events.ts");
    expect(steps).not.toContain("consumers.ts");
  });
});
