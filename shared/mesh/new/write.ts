/**
 * Writes a planned worker: every file formatted by the repository's Prettier settings (so
 * `npm run format:check` passes on it), then its first migration (`npm run db:generate -- <name>
 * --name init`, shared/db/generate.ts). Nothing exists under its folders beforehand (request.ts
 * checked); if anything fails midway, both folders are removed again and the error rethrown.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as prettier from "prettier";
import { hasDatabase, type WorkerPlan } from "./plan";
import { workerFilesOf } from "./templates/index";

async function formatted(root: string, files: Map<string, string>): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const [file, text] of files) {
    const filepath = join(root, file);
    result.set(file, await prettier.format(text, { ...(await prettier.resolveConfig(filepath)), filepath }));
  }
  return result;
}

function generateFirstMigration(root: string, name: string): void {
  // Bun runs the script (the CLI itself runs under it; from Node, the repository's own).
  const bun = process.versions.bun ? process.execPath : join(root, "node_modules", ".bin", "bun");
  const generated = spawnSync(bun, ["run", "shared/db/generate.ts", name, "--name", "init"], { cwd: root, encoding: "utf8" });
  if (generated.status !== 0) {
    throw new Error(
      `the first migration of ${name} failed (npm run db:generate -- ${name} --name init): ${generated.error?.message ?? ""}\n${generated.stdout ?? ""}${generated.stderr ?? ""}`,
    );
  }
}

/** Writes the worker's files and its migration; returns the files written (paths from the root). */
export async function writeWorker(root: string, plan: WorkerPlan): Promise<string[]> {
  // Formatted before anything is written: a template Prettier cannot parse leaves no trace.
  const files = await formatted(root, workerFilesOf(plan));
  const folders = [join(root, "workers", plan.name), join(root, "migrations", plan.name)];
  try {
    for (const [file, text] of files) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text, { flag: "wx" });
    }
    if (hasDatabase(plan)) generateFirstMigration(root, plan.name);
  } catch (error) {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return [...files.keys()];
}

/** What to edit next, a few lines, for what the worker has. */
export function nextSteps(plan: WorkerPlan): string[] {
  const dir = `workers/${plan.name}`;
  return [
    `next:`,
    hasDatabase(plan) &&
      `  ${dir}/schema.ts: your tables${plan.ownsData ? " in place of the example items" : ""}, then npm run db:generate -- ${plan.name} --name <change> (commit migrations/${plan.name}/)`,
    `  ${dir}/contract.ts (inputs), service.ts (the logic), router.ts (one thin procedure each)`,
    plan.publishes && `  ${dir}/events.ts: your events, written with enqueueEvent in the change's transaction; consumers import ../${plan.name}/events`,
    plan.consumes && `  ${dir}/consumers.ts: the handler of ${plan.consumes.subject}, feeding ${plan.consumes.sqlTable} (schema.ts)`,
    `  npx vitest run ${dir}, then npm start: the launcher runs it, npm run mesh -- status and the gateway's /mesh show it`,
  ].filter((line): line is string => typeof line === "string");
}
