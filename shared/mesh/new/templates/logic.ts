/** The logic files of a new worker: router.ts (thin procedures) and service.ts (the functions they call), as users' are. */
import { pascalOf, type ConsumedEvent, type WorkerPlan } from "../plan";
import { lines } from "./text";

export function routerTs(plan: WorkerPlan): string {
  const { consumes } = plan;
  const stateless = !plan.ownsData && !consumes;
  const inputs = [
    ...(plan.ownsData ? ["createItemInput", "itemInput", "itemOutput"] : []),
    ...(consumes ? [`${consumes.row}Input`, `${consumes.row}Output`] : []),
    ...(stateless ? ["helloInput", "helloOutput"] : []),
  ];
  const services = [...(plan.ownsData ? ["createItem", "getItem"] : []), ...(consumes ? [`get${pascalOf(consumes.row)}`] : []), ...(stateless ? ["hello"] : [])];
  return lines(
    `/** ${plan.name}'s tRPC procedures: thin wrappers of service.ts, inputs and answers from contract.ts. Peers import only \`type ${plan.pascal}Router\`. */`,
    `import { router, procedures, answers } from "../../shared/rpc/trpc";`,
    `import { ${inputs.join(", ")} } from "./contract";`,
    `import { ${services.join(", ")} } from "./service";`,
    `import type { ${plan.pascal}Deps } from "./deps";`,
    ``,
    `const p = procedures<${plan.pascal}Deps>();`,
    ``,
    `// \`p.internal\`: any worker of the mesh with a valid service token; \`p.callers("gateway")\` narrows who may call.`,
    `// \`answers(schema)\`: the answer's type and its check (OUTPUT_VALIDATION), and what the OpenAPI document says of it.`,
    `export const ${plan.name}Router = router({`,
    plan.ownsData && `  createItem: p.internal.input(createItemInput).concat(answers(itemOutput)).mutation(({ ctx, input }) => createItem(ctx.deps.db, input, ctx.deps.now())),`,
    plan.ownsData && `  item: p.internal.input(itemInput).concat(answers(itemOutput)).query(({ ctx, input }) => getItem(ctx.deps.db, input.id)),`,
    consumes &&
      `  ${consumes.row}: p.internal.input(${consumes.row}Input).concat(answers(${consumes.row}Output)).query(({ ctx, input }) => get${pascalOf(consumes.row)}(ctx.deps.db, input.${consumes.key.field})),`,
    stateless && `  hello: p.internal.input(helloInput).concat(answers(helloOutput)).query(({ ctx, input }) => hello(input, ctx.deps.now())),`,
    `});`,
    ``,
    `export type ${plan.pascal}Router = typeof ${plan.name}Router;`,
  );
}

function itemFunctions(plan: WorkerPlan): string {
  return lines(
    `/** Creates an item${plan.publishes ? ` and, in the same transaction, its ${plan.name}.item.created event (the relay publishes it once committed)` : ""}. */`,
    `export function createItem(db: ${plan.pascal}Db, input: CreateItemInput, now: Date): ItemRow {`,
    `  return db.transaction(`,
    `    (tx) => {`,
    `      const row: ItemRow = { id: newId(), label: input.label, createdAt: now.toISOString() };`,
    `      tx.insert(items).values(row).run();`,
    plan.publishes && `      enqueueEvent(tx, outbox, itemCreated, { itemId: row.id, label: row.label, createdAt: row.createdAt }, { aggregateId: row.id, now });`,
    `      return row;`,
    `    },`,
    `    { behavior: "immediate" },`,
    `  );`,
    `}`,
    ``,
    `export function getItem(db: ${plan.pascal}Db, id: string): ItemRow {`,
    `  const row = db.select().from(items).where(eq(items.id, id)).get();`,
    '  if (!row) throw new DomainError("NOT_FOUND", `item ${id} not found`, { id });',
    `  return row;`,
    `}`,
  );
}

function readModelFunction(plan: WorkerPlan, consumes: ConsumedEvent): string {
  const key = consumes.key.field;
  const row = pascalOf(consumes.row);
  return lines(
    `/** The ${consumes.words} of \`${key}\`: NOT_FOUND until its event has arrived (the read model follows ${consumes.owner} eventually). */`,
    `export function get${row}(db: ${plan.pascal}Db, ${key}: string): ${row}Row {`,
    `  const row = db.select().from(${consumes.table}).where(eq(${consumes.table}.${key}, ${key})).get();`,
    `  if (!row) throw new DomainError("NOT_FOUND", \`${consumes.words} \${${key}} not found\`, { ${key} });`,
    `  return row;`,
    `}`,
  );
}

const helloFunction = lines(
  `export function hello(input: HelloInput, now: Date): { greeting: string; at: string } {`,
  "  return { greeting: `hello, ${input.name}`, at: now.toISOString() };",
  `}`,
);

export function serviceTs(plan: WorkerPlan): string {
  const { consumes } = plan;
  const stateless = !plan.ownsData && !consumes;
  const tables = [
    ...(plan.ownsData ? ["items", "type ItemRow"] : []),
    ...(plan.publishes ? ["outbox"] : []),
    ...(consumes ? [consumes.table, `type ${pascalOf(consumes.row)}Row`] : []),
  ];
  return lines(
    `/** ${plan.name}'s domain logic: functions of (db, input), each write one transaction. */`,
    !stateless && `import { eq } from "drizzle-orm";`,
    !stateless && `import { DomainError } from "../../shared/core/errors";`,
    plan.ownsData && `import { newId } from "../../shared/core/ids";`,
    plan.publishes && `import { enqueueEvent } from "../../shared/events/enqueue";`,
    plan.ownsData && `import type { CreateItemInput } from "./contract";`,
    stateless && `import type { HelloInput } from "./contract";`,
    !stateless && `import type { ${plan.pascal}Db } from "./deps";`,
    plan.publishes && `import { itemCreated } from "./events";`,
    tables.length > 0 && `import { ${tables.join(", ")} } from "./schema";`,
    plan.ownsData && `\n${itemFunctions(plan)}`,
    consumes && `\n${readModelFunction(plan, consumes)}`,
    stateless && `\n${helloFunction}`,
  );
}
