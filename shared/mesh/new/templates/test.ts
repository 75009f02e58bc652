/** The test beside a new worker (<name>.test.ts): its example procedures in-process on a fresh SQLite file, its outbox event, its consumer's handler applied once. */
import { streamOf } from "../../../events/envelope";
import type { ConsumedEvent, WorkerPlan } from "../plan";
import { lines, literalOf, ownerIdentifierOf } from "./text";

const itemTests = [
  `  it("creates an item and reads it back", async () => {`,
  `    const item = t.data(await t.mutate("createItem", { label: "First" }));`,
  `    expect(item).toMatchObject({ label: "First", createdAt: "2026-01-01T00:00:00.000Z" });`,
  `    expect(t.data(await t.query("item", { id: item.id }))).toEqual(item);`,
  `  });`,
  ``,
  `  it("answers bad input with a 400 naming the field, and writes nothing", async () => {`,
  `    const bad = await t.mutate("createItem", { label: "" });`,
  `    expect(bad.status).toBe(400);`,
  `    expect(bad.body.error.data.fields.map((field: { path: string }) => field.path)).toEqual(["label"]);`,
  `    expect(t.database.db.select().from(schema.items).all()).toEqual([]);`,
  `  });`,
  ``,
  `  it("answers 404 naming the id of an unknown item", async () => {`,
  `    const missing = await t.query("item", { id: "nope" });`,
  `    expect(missing.status).toBe(404);`,
  `    expect(missing.body.error.message).toBe("item nope not found");`,
  `  });`,
];

const outboxTest = (plan: WorkerPlan) => [
  ``,
  `  it("writes ${plan.name}.item.created to the outbox in the same transaction as the item", async () => {`,
  `    const item = t.data(await t.mutate("createItem", { label: "Sent" }, { "x-correlation-id": "corr-1" }));`,
  `    const rows = t.database.db.select().from(schema.outbox).all();`,
  `    expect(rows).toHaveLength(1);`,
  `    expect(JSON.parse(rows[0]!.envelope)).toMatchObject({ subject: "${plan.name}.item.created", correlationId: "corr-1", data: { itemId: item.id, label: "Sent" } });`,
  `    expect(rows[0]!.sentAt).toBeNull();`,
  `  });`,
];

function consumerTests(consumes: ConsumedEvent): string[] {
  const owner = ownerIdentifierOf(consumes.owner);
  const key = consumes.key.field;
  const expected = [
    `${key}: ${consumes.key.fromEnvelope ? "event.id" : `data.${key}`}`,
    ...consumes.columns.map((column) => `${column.field}: data.${column.field}`),
    `eventAt: event.occurredAt`,
  ];
  return [
    ``,
    `  it("applies ${consumes.subject} once to ${consumes.sqlTable}, however often it is delivered", async () => {`,
    `    const apply = () => applyOnce(t.database.db, schema.inbox, ${owner}ConsumerName, event, ${owner}Handlers[${consumes.exportName}.subject]!, { stream: "${streamOf(consumes.owner).name}", streamSequence: 1 });`,
    `    expect(apply()).toBe("handled");`,
    `    expect(apply()).toBe("duplicate");`,
    `    expect(t.database.db.select().from(schema.${consumes.table}).all()).toHaveLength(1);`,
    `    expect(t.data(await t.query("${consumes.row}", { ${key}: ${consumes.key.fromEnvelope ? "event.id" : `data.${key}`} }))).toEqual({ ${expected.join(", ")} });`,
    `  });`,
    ``,
    `  it("answers 404 naming the ${key} before its event arrived", async () => {`,
    `    const missing = await t.query("${consumes.row}", { ${key}: "nope" });`,
    `    expect(missing.status).toBe(404);`,
    `    expect(missing.body.error.message).toBe("${consumes.words} nope not found");`,
    `  });`,
  ];
}

/** The consumed event, one valid envelope of it: the sample data mesh new built from the publisher's schema (typed by it, so a change there fails typecheck here). */
const consumedEvent = (consumes: ConsumedEvent) => [
  `const data: EventData<typeof ${consumes.exportName}> = ${literalOf(consumes.sample)};`,
  `const event: EventEnvelope<typeof data> = { id: randomUUID(), type: ${consumes.exportName}.subject, subject: ${consumes.exportName}.subject, occurredAt: "2026-01-02T00:00:00.000Z", correlationId: "corr-1", causationId: null, data };`,
  ``,
];

function statelessTestTs(plan: WorkerPlan): string {
  return lines(
    `/** ${plan.name} in-process: its example procedure, and bad input refused naming the field. */`,
    `import { describe, expect, it } from "vitest";`,
    `import { createLogger } from "../../shared/core/logger";`,
    `import { create${plan.pascal}Worker } from "./worker";`,
    ``,
    `describe("${plan.name} worker (in-process)", () => {`,
    `  const worker = create${plan.pascal}Worker({ logger: createLogger({ worker: "${plan.name}", level: "silent" }), identity: null, now: () => new Date("2026-01-01T00:00:00.000Z") });`,
    "  const hello = async (input: unknown) => {",
    "    const answer = await worker.app.request(`/trpc/hello?input=${encodeURIComponent(JSON.stringify(input))}`);",
    "    return { status: answer.status, body: (await answer.json()) as any };",
    "  };",
    ``,
    `  it("answers hello", async () => {`,
    `    expect(await hello({ name: "Ann" })).toEqual({ status: 200, body: { result: { data: { greeting: "hello, Ann", at: "2026-01-01T00:00:00.000Z" } } } });`,
    `  });`,
    ``,
    `  it("answers bad input with a 400 naming the field", async () => {`,
    `    const bad = await hello({ name: "" });`,
    `    expect(bad.status).toBe(400);`,
    `    expect(bad.body.error.data.fields.map((field: { path: string }) => field.path)).toEqual(["name"]);`,
    `  });`,
    `});`,
  );
}

export function testTs(plan: WorkerPlan): string {
  const { consumes } = plan;
  if (!plan.ownsData && !consumes) return statelessTestTs(plan);
  const owner = consumes && ownerIdentifierOf(consumes.owner);
  return lines(
    `/** ${plan.name} in-process (better-sqlite3, a fresh file per test): ${[plan.ownsData && "its example procedures", plan.publishes && "its event in the outbox", consumes && `its consumer of ${consumes.subject}`].filter(Boolean).join(", ")}. */`,
    consumes && `import { randomUUID } from "node:crypto";`,
    `import { describe, expect, it } from "vitest";`,
    consumes && `import type { EventData, EventEnvelope } from "../../shared/events/envelope";`,
    consumes && `import { applyOnce } from "../../shared/events/inbox";`,
    consumes && `import { ${consumes.exportName} } from "../${consumes.owner}/events";`,
    `import { useInProcessWorker } from "../../test/support/in-process";`,
    consumes && `import { ${owner}ConsumerName, ${owner}Handlers } from "./consumers";`,
    `import * as schema from "./schema";`,
    `import { create${plan.pascal}Worker } from "./worker";`,
    ``,
    ...(consumes ? consumedEvent(consumes) : []),
    `describe("${plan.name} worker (in-process)", () => {`,
    `  const t = useInProcessWorker("${plan.name}", schema, (deps) => create${plan.pascal}Worker(deps));`,
    ``,
    ...(plan.ownsData ? itemTests : []),
    ...(plan.publishes ? outboxTest(plan) : []),
    ...(consumes ? consumerTests(consumes) : []),
    `});`,
  );
}
