/** Every file of a new worker, by its path from the repository root: what the plan says it has, and nothing else. */
import { hasDatabase, type WorkerPlan } from "../plan";
import { contractTs, schemaTs } from "./data";
import { configTs, depsTs, drizzleConfigTs, mainTs, workerTs } from "./entry";
import { consumersTs, eventsTs } from "./events";
import { routerTs, serviceTs } from "./logic";
import { testTs } from "./test";

export function workerFilesOf(plan: WorkerPlan): Map<string, string> {
  const files: [string, string | null][] = [
    ["main.ts", mainTs(plan)],
    ["worker.ts", workerTs(plan)],
    ["deps.ts", depsTs(plan)],
    ["config.ts", configTs(plan)],
    ["contract.ts", contractTs(plan)],
    ["schema.ts", hasDatabase(plan) ? schemaTs(plan) : null],
    ["router.ts", routerTs(plan)],
    ["service.ts", serviceTs(plan)],
    ["events.ts", plan.publishes ? eventsTs(plan) : null],
    ["consumers.ts", plan.consumes ? consumersTs(plan, plan.consumes) : null],
    ["drizzle.config.ts", hasDatabase(plan) ? drizzleConfigTs(plan) : null],
    [`${plan.name}.test.ts`, testTs(plan)],
  ];
  return new Map(files.flatMap(([file, text]) => (text === null ? [] : [[`workers/${plan.name}/${file}`, `${text}\n`] as [string, string]])));
}
