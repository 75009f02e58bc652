/**
 * `npm run mesh -- new <name> [--owns-data] [--publishes] [--consumes <worker> [--event <subject>]]`:
 * writes workers/<name>/ in the kit's vocabulary (new/templates/), its first migration, and says
 * what to edit next. A bad request is refused in one line with nothing written (new/request.ts).
 */
import { NewWorkerRefused, newWorkerUsage, planNewWorker } from "./new/request";
import { hasDatabase } from "./new/plan";
import { nextSteps, writeWorker } from "./new/write";
import { repoRoot } from "./settings";

export const summary = `write a new worker's folder, its test and first migration (${newWorkerUsage.replace("npm run mesh -- new ", "")})`;

export async function run(args: string[]): Promise<number> {
  let plan;
  try {
    plan = await planNewWorker(repoRoot, args);
  } catch (error) {
    if (!(error instanceof NewWorkerRefused)) throw error;
    process.stderr.write(`mesh new: ${error.message}\n`);
    return 2;
  }
  const files = await writeWorker(repoRoot, plan);
  const migration = hasDatabase(plan) ? ` and migrations/${plan.name}/ (its first migration)` : "";
  const consumes = plan.consumes ? `; consumes ${plan.consumes.subject} as durable ${plan.name}-${plan.consumes.owner}` : "";
  process.stdout.write(`created workers/${plan.name}/ (${files.length} files)${migration}; port MESH_PORT_BASE + ${plan.portOffset}${consumes}\n`);
  process.stdout.write(`${nextSteps(plan).join("\n")}\n`);
  return 0;
}
