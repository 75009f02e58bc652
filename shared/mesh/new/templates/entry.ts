/** The wiring files of a new worker: main.ts, worker.ts, deps.ts, config.ts and drizzle.config.ts, as users' and reporting's are. */
import { hasDatabase, type WorkerPlan } from "../plan";
import { lines, ownerIdentifierOf, purposeOf } from "./text";

export function mainTs(plan: WorkerPlan): string {
  const db = hasDatabase(plan);
  return lines(
    `/** Entry for \`bun run workers/${plan.name}/main.ts\`: config, DB, bus, serve. */`,
    `import { runWorkerMain } from "../../shared/worker/main";`,
    `import { ${plan.name}ConfigSchema } from "./config";`,
    db && `import * as schema from "./schema";`,
    `import { create${plan.pascal}Worker } from "./worker";`,
    ``,
    `await runWorkerMain({`,
    `  worker: "${plan.name}",`,
    `  configSchema: ${plan.name}ConfigSchema,`,
    db ? `  schema,` : `  schema: null,`,
    `  create: ({ base, ${db ? "db, " : ""}nats }) => create${plan.pascal}Worker({ ...base, ${db ? "db, " : ""}now: () => new Date(), nats: nats() }),`,
    `});`,
  );
}

/** createWorker from the worker's description: its outbox (a relay publishes it), its inbox and consumer; the kit prunes both within their retention. */
export function workerTs(plan: WorkerPlan): string {
  const consumes = plan.consumes;
  const owner = consumes && ownerIdentifierOf(consumes.owner);
  const tables = [plan.publishes && "outbox", consumes && "inbox"].filter(Boolean).sort();
  return lines(
    `/** ${plan.name}: ${purposeOf(plan)}. */`,
    `import { createWorker } from "../../shared/worker/worker";`,
    consumes && `import { ${owner}ConsumerName, ${owner}Handlers } from "./consumers";`,
    `import { ${plan.name}Router } from "./router";`,
    tables.length > 0 && `import { ${tables.join(", ")} } from "./schema";`,
    `import type { ${plan.pascal}Deps } from "./deps";`,
    ``,
    `export function create${plan.pascal}Worker(deps: ${plan.pascal}Deps) {`,
    `  return createWorker({`,
    `    name: "${plan.name}",`,
    `    router: ${plan.name}Router,`,
    `    deps,`,
    plan.publishes && `    outbox,`,
    consumes && `    inbox,`,
    consumes && `    consumers: [{ name: ${owner}ConsumerName, owner: "${consumes.owner}", handlers: ${owner}Handlers }],`,
    `  });`,
    `}`,
  );
}

export function depsTs(plan: WorkerPlan): string {
  const db = hasDatabase(plan);
  return lines(
    `/** What ${plan.name} is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker${db ? " but its tables" : ""}. */`,
    db && `import type { WorkerDb } from "../../shared/db/db";`,
    `import type { WorkerBaseDeps } from "../../shared/worker/worker";`,
    db && `import type * as schema from "./schema";`,
    ``,
    db && `export type ${plan.pascal}Db = WorkerDb<typeof schema>;`,
    db && ``,
    `export interface ${plan.pascal}Deps extends WorkerBaseDeps {`,
    db && `  db: ${plan.pascal}Db;`,
    `  now: () => Date;`,
    `}`,
  );
}

export function configTs(plan: WorkerPlan): string {
  return lines(
    `/** ${plan.name}'s environment: the common worker variables (shared/core/config.ts); add its own with \`.extend({ ... })\`. */`,
    `import { workerConfigSchema } from "../../shared/core/config";`,
    `import { defaultPortOf } from "../../shared/core/placement";`,
    `import { placement } from "./contract";`,
    ``,
    `export { placement };`,
    ``,
    `export const ${plan.name}ConfigSchema = workerConfigSchema(defaultPortOf(placement));`,
    `export type ${plan.pascal}Config = ReturnType<typeof ${plan.name}ConfigSchema.parse>;`,
  );
}

export function drizzleConfigTs(plan: WorkerPlan): string {
  return lines(
    `import { defineConfig } from "drizzle-kit";`,
    ``,
    `// Paths are from the repository root: \`npm run db:generate -- ${plan.name} --name <change>\` runs drizzle-kit there.`,
    `export default defineConfig({`,
    `  dialect: "sqlite",`,
    `  schema: "./workers/${plan.name}/schema.ts",`,
    `  out: "./migrations/${plan.name}",`,
    `});`,
  );
}
