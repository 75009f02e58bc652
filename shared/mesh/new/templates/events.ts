/** The event files of a new worker: events.ts (what it publishes, its async contract) and consumers.ts (what it consumes, idempotent through its inbox). */
import type { ConsumedEvent, WorkerPlan } from "../plan";
import { lines, ownerIdentifierOf } from "./text";

export function eventsTs(plan: WorkerPlan): string {
  return lines(
    `/** The events ${plan.name} publishes: its public async contract (imports only shared/ and zod); consumers import them from here. */`,
    `import { z } from "zod";`,
    `import { defineEvent } from "../../shared/events/envelope";`,
    ``,
    `/** An item was created: what a consumer needs of it, no more (the subject is <worker>.<entity>.<pastTenseVerb>). */`,
    `export const itemCreated = defineEvent("${plan.name}.item.created", z.object({ itemId: z.string(), label: z.string(), createdAt: z.iso.datetime() }));`,
    ``,
    `export const ${plan.name}Events = [itemCreated] as const;`,
  );
}

/** The handler's upsert: the key from the data (or the envelope), every column from the data, and when the event happened. */
function upsertOf(consumes: ConsumedEvent): string[] {
  const values = [...consumes.columns.map((column) => `${column.field}: event.data.${column.field}`), "eventAt: event.occurredAt"];
  const key = consumes.key.fromEnvelope ? "event.id" : `event.data.${consumes.key.field}`;
  return [
    `    const values = { ${values.join(", ")} };`,
    `    tx.insert(${consumes.table}).values({ ${consumes.key.field}: ${key}, ...values }).onConflictDoUpdate({ target: ${consumes.table}.${consumes.key.field}, set: values }).run();`,
  ];
}

export function consumersTs(plan: WorkerPlan, consumes: ConsumedEvent): string {
  const owner = ownerIdentifierOf(consumes.owner);
  return lines(
    `/**`,
    ` * The events ${plan.name} consumes: ${consumes.subject} feeds the ${consumes.sqlTable} read model. A handler`,
    ` * runs inside the consumer's inbox check, in one transaction with its effect, so a redelivered or replayed event changes nothing.`,
    ` * Handle another event of ${consumes.owner} by adding its subject here (and its table to schema.ts).`,
    ` */`,
    `import { handleEvent, type EventHandler } from "../../shared/events/consumer";`,
    `import { ${consumes.exportName} } from "../${consumes.owner}/events";`,
    `import { ${consumes.table} } from "./schema";`,
    ``,
    `/** The durable consumer's name at the broker (and its key in the inbox): \`<worker>-<owner>\`, the durable \`placement.consumes\` lets its NATS user read. */`,
    `export const ${owner}ConsumerName = "${plan.name}-${consumes.owner}";`,
    ``,
    `export const ${owner}Handlers: Record<string, EventHandler<any>> = {`,
    `  [${consumes.exportName}.subject]: handleEvent(${consumes.exportName}, (tx, event) => {`,
    ...upsertOf(consumes),
    `  }),`,
    `};`,
  );
}
