/** The data files of a new worker: contract.ts (its place and its procedures' inputs) and schema.ts (its tables, outbox and inbox). */
import { pascalOf, type ConsumedEvent, type ReadModelColumn, type WorkerPlan } from "../plan";
import { lines } from "./text";

export function contractTs(plan: WorkerPlan): string {
  const { consumes } = plan;
  const stateless = !plan.ownsData && !consumes;
  const place = consumes ? `{ portOffset: ${plan.portOffset}, consumes: ["${consumes.owner}"] }` : `{ portOffset: ${plan.portOffset} }`;
  return lines(
    `/** ${plan.name}'s call contract: its place in the mesh and the inputs and answers of its procedures, which callers may import (imports only shared/ and zod). */`,
    `import { z } from "zod";`,
    `import type { Placement } from "../../shared/core/placement";`,
    ``,
    `/**`,
    ` * Where ${plan.name} sits in the mesh: its port is MESH_PORT_BASE + portOffset (peers default to it)${consumes ? ", and the" : "."}`,
    consumes && ` * streams it consumes, with its durable \`${plan.name}-${consumes.owner}\` on each (its NATS user may read only those).`,
    ` */`,
    `export const placement = ${place} as const satisfies Placement;`,
    ``,
    !stateless && `const id = z.string().min(1).max(64);`,
    plan.ownsData && `\nexport const createItemInput = z.strictObject({ label: z.string().trim().min(1).max(200) });`,
    plan.ownsData && `export type CreateItemInput = z.infer<typeof createItemInput>;`,
    plan.ownsData && `\nexport const itemInput = z.strictObject({ id });`,
    plan.ownsData && `\n/** An item as ${plan.name} answers it (createItem, item): the type and the check of the answer are this one schema. */`,
    plan.ownsData && `export const itemOutput = z.strictObject({ id: z.string(), label: z.string(), createdAt: z.iso.datetime() });`,
    plan.ownsData && `export type Item = z.infer<typeof itemOutput>;`,
    consumes && `\nexport const ${consumes.row}Input = z.strictObject({ ${consumes.key.field}: id });`,
    consumes && readModelOutput(consumes),
    stateless && `export const helloInput = z.strictObject({ name: z.string().trim().min(1).max(100) });`,
    stateless && `export type HelloInput = z.infer<typeof helloInput>;`,
    stateless && `export const helloOutput = z.strictObject({ greeting: z.string(), at: z.iso.datetime() });`,
  );
}

const outputTypes: Record<ReadModelColumn["kind"], string> = { text: "z.string()", integer: "z.number().int()", real: "z.number()", boolean: "z.boolean()" };

/** The read model's row as the procedure answers it (a nullable column answers null). */
function readModelOutput(consumes: ConsumedEvent): string {
  const fields = [
    `${consumes.key.field}: z.string()`,
    ...consumes.columns.map((column) => `${column.field}: ${outputTypes[column.kind]}${column.optional ? ".nullable()" : ""}`),
    "eventAt: z.iso.datetime()",
  ];
  return lines(
    `\n/** A row of the ${consumes.sqlTable} read model as ${consumes.row} answers it. */`,
    `export const ${consumes.row}Output = z.strictObject({ ${fields.join(", ")} });`,
    `export type ${pascalOf(consumes.row)} = z.infer<typeof ${consumes.row}Output>;`,
  );
}

const builders: Record<ReadModelColumn["kind"], (sqlName: string) => string> = {
  text: (sqlName) => `text("${sqlName}")`,
  integer: (sqlName) => `integer("${sqlName}")`,
  real: (sqlName) => `real("${sqlName}")`,
  boolean: (sqlName) => `integer("${sqlName}", { mode: "boolean" })`,
};

function readModelTable(consumes: ConsumedEvent): string {
  const { key, columns } = consumes;
  return lines(
    `/** The read model of ${consumes.subject}: one row per ${key.field}, the latest event's values. Derived only from events: it can be dropped and rebuilt by replaying the stream. */`,
    `export const ${consumes.table} = sqliteTable("${consumes.sqlTable}", {`,
    key.fromEnvelope && `  /** The event's own id: its data has no \`…Id\` field to key the row by. */`,
    `  ${key.field}: text("${key.sqlName}").primaryKey(),`,
    ...columns.map((column) => `  ${column.field}: ${builders[column.kind](column.sqlName)}${column.optional ? "" : ".notNull()"},`),
    `  /** When the event applied last happened (its envelope's occurredAt). */`,
    `  eventAt: text("event_at").notNull(),`,
    `});`,
    `export type ${pascalOf(consumes.row)}Row = typeof ${consumes.table}.$inferSelect;`,
  );
}

const itemsTable = (plan: WorkerPlan) =>
  lines(
    `/** An example of ${plan.name}'s own data: rename it and add yours, then \`npm run db:generate -- ${plan.name} --name <change>\`. */`,
    `export const items = sqliteTable("items", {`,
    `  id: text("id").primaryKey(),`,
    `  label: text("label").notNull(),`,
    `  createdAt: text("created_at").notNull(),`,
    `});`,
    `export type ItemRow = typeof items.$inferSelect;`,
  );

export function schemaTs(plan: WorkerPlan): string {
  const { consumes } = plan;
  const kinds = new Set(["text", ...(consumes?.columns ?? []).map((column) => (column.kind === "boolean" ? "integer" : column.kind))]);
  const tables = [plan.publishes && "outboxTable", consumes && "inboxTable"].filter(Boolean).sort();
  return lines(
    `/** ${plan.name}'s tables: every one lives in its own DB file (DATA_DIR/${plan.name}.db) and migrations/${plan.name}/. */`,
    `import { sqliteTable, ${["integer", "real", "text"].filter((kind) => kinds.has(kind)).join(", ")} } from "drizzle-orm/sqlite-core";`,
    tables.length > 0 && `import { ${tables.join(", ")} } from "../../shared/events/tables";`,
    plan.ownsData && `\n${itemsTable(plan)}`,
    plan.publishes && `\n/** Events waiting for the relay; written in the same transaction as the change. */`,
    plan.publishes && `export const outbox = outboxTable();`,
    consumes && `\n${readModelTable(consumes)}`,
    consumes && `\n/** Events already applied, so a redelivery changes nothing. */`,
    consumes && `export const inbox = inboxTable();`,
  );
}
