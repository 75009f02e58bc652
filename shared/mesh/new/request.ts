/**
 * `mesh new`'s request, checked before anything is written: the arguments, the name (lower-case
 * letters and digits starting with a letter, not taken, not reserved) and the worker to consume
 * from (one that exists and publishes, and the event of it). Each refusal is one line.
 *
 * @example
 *   const plan = await planNewWorker(repoRoot, ["shipping", "--owns-data", "--publishes"]); // or throws NewWorkerRefused
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { z } from "zod";
import type { EventDefinition } from "../../events/envelope";
import { discoverWorkers, workerNamesIn } from "../discover";
import { readMeshSettings } from "../settings";
import { readModelShapeOf, sampleOf } from "./event-shape";
import { pascalOf, readModelNamesOf, type ConsumedEvent, type WorkerPlan } from "./plan";

export class NewWorkerRefused extends Error {
  override readonly name = "NewWorkerRefused";
}

export const newWorkerUsage = "npm run mesh -- new <name> [--owns-data] [--publishes] [--consumes <worker> [--event <subject>]]";

/**
 * Names a worker may not take: the kit's and the repository's folders, and names the mesh itself
 * uses on the bus and in tokens (the operator's NATS user and callers, the dead-letter stream
 * `DLQ`/`dlq.>`, the services' `svc.>` endpoints).
 */
export const reservedWorkerNames = new Set(["shared", "mesh", "test", "tests", "telemetry", "bench", "docs", "migrations", "workers", "node", "bun", "operator", "dlq", "svc", "all"]);

const namePattern = /^[a-z][a-z0-9]*$/;
const maxNameLength = 32;

function parseRequest(args: string[]): { name: string; ownsData: boolean; publishes: boolean; consumes?: string; event?: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { "owns-data": { type: "boolean" }, publishes: { type: "boolean" }, consumes: { type: "string" }, event: { type: "string" } },
    });
  } catch (error) {
    throw new NewWorkerRefused(`${(error as Error).message.split(". ")[0]}; usage: ${newWorkerUsage}`);
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined || extra.length > 0) throw new NewWorkerRefused(`give one worker name; usage: ${newWorkerUsage}`);
  if (parsed.values.event !== undefined && parsed.values.consumes === undefined)
    throw new NewWorkerRefused("--event names an event of the worker given by --consumes, and there is none");
  const { publishes = false, consumes, event } = parsed.values;
  // A published event is a change of the worker's own data, committed with it: publishing implies owning data.
  return { name, ownsData: Boolean(parsed.values["owns-data"]) || publishes, publishes, ...(consumes !== undefined ? { consumes } : {}), ...(event !== undefined ? { event } : {}) };
}

function checkName(root: string, name: string): void {
  if (!namePattern.test(name) || name.length > maxNameLength) {
    throw new NewWorkerRefused(`worker name ${JSON.stringify(name)} refused: use lower-case letters and digits, starting with a letter, at most ${maxNameLength} characters`);
  }
  if (reservedWorkerNames.has(name)) throw new NewWorkerRefused(`worker name ${name} is reserved (the mesh uses it); choose another`);
  if (existsSync(join(root, "workers", name))) throw new NewWorkerRefused(`worker ${name} exists already (workers/${name}/); choose another name`);
  if (existsSync(join(root, "migrations", name))) throw new NewWorkerRefused(`migrations/${name}/ exists already (left from an earlier worker?); remove it or choose another name`);
}

const isEventDefinition = (value: unknown): value is EventDefinition =>
  typeof value === "object" && value !== null && typeof (value as EventDefinition).subject === "string" && typeof (value as EventDefinition).owner === "string" && "schema" in value;

/** The publisher's events as its events.ts exports them, in the order of its `<owner>Events` list when it has one. */
async function eventsOf(root: string, owner: string): Promise<{ exportName: string; definition: EventDefinition }[]> {
  if (!workerNamesIn(root).includes(owner)) throw new NewWorkerRefused(`--consumes ${owner}: there is no worker ${owner} (workers are ${workerNamesIn(root).join(", ")})`);
  const file = join(root, "workers", owner, "events.ts");
  if (!existsSync(file)) throw new NewWorkerRefused(`--consumes ${owner}: ${owner} publishes nothing (no workers/${owner}/events.ts)`);
  const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const events = Object.entries(exports).flatMap(([exportName, value]) => (isEventDefinition(value) && value.owner === owner ? [{ exportName, definition: value }] : []));
  const listed = exports[`${owner}Events`];
  const order: unknown[] = Array.isArray(listed) ? listed : [];
  const rank = (definition: EventDefinition) => (order.includes(definition) ? order.indexOf(definition) : order.length);
  events.sort((a, b) => rank(a.definition) - rank(b.definition));
  if (events.length === 0) throw new NewWorkerRefused(`--consumes ${owner}: ${owner} publishes nothing (its events.ts defines no event)`);
  return events;
}

async function consumedEventOf(root: string, owner: string, subject: string | undefined): Promise<ConsumedEvent> {
  const events = await eventsOf(root, owner);
  const chosen = subject === undefined ? events[0]! : events.find((event) => event.definition.subject === subject);
  if (!chosen) throw new NewWorkerRefused(`--event ${subject}: ${owner} publishes no such event (it publishes ${events.map((event) => event.definition.subject).join(", ")})`);
  const { definition, exportName } = chosen;
  const sample = sampleOf(definition.schema);
  if (!(definition.schema as z.ZodType).safeParse(sample).success)
    throw new NewWorkerRefused(`${definition.subject}: could not build a valid sample of its data for the test; choose another with --event`);
  return { owner, exportName, subject: definition.subject, ...readModelNamesOf(definition.subject), ...readModelShapeOf(definition.schema), sample };
}

/** The next free place in the mesh: one past the highest portOffset of every worker (their contract.ts, as config.ts re-exports it). */
async function nextPortOffset(root: string): Promise<number> {
  const specs = await discoverWorkers(root, readMeshSettings({}));
  return Math.max(0, ...specs.map((spec) => spec.portOffset)) + 1;
}

/** The plan of the new worker, or NewWorkerRefused naming what is wrong; nothing is written either way. */
export async function planNewWorker(root: string, args: string[]): Promise<WorkerPlan> {
  const request = parseRequest(args);
  checkName(root, request.name);
  const consumes = request.consumes === undefined ? null : await consumedEventOf(root, request.consumes, request.event);
  return { name: request.name, pascal: pascalOf(request.name), portOffset: await nextPortOffset(root), ownsData: request.ownsData, publishes: request.publishes, consumes };
}
