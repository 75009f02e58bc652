// shared/events/ — events between workers: envelope, outbox and relay, JetStream streams, idempotent
// consumers with their inbox, dead letters and pruning. Built on shared/db/ and shared/core/.
/**
 * The event envelope of the mesh and typed event definitions. A publisher's `events.ts` holds
 * its definitions (subject + zod schema of `data`): that file is its public contract.
 *
 * @example
 *   export const userRegistered = defineEvent("users.user.registered", z.object({ userId: z.string() }));
 */
import { z } from "zod";

export const eventEnvelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  subject: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.[a-zA-Z][a-zA-Z0-9-]*$/),
  occurredAt: z.iso.datetime(),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  data: z.unknown(),
});

export type EventEnvelope<TData = unknown> = Omit<z.infer<typeof eventEnvelopeSchema>, "data"> & { data: TData };

export interface EventDefinition<TSubject extends string = string, TSchema extends z.ZodType = z.ZodType> {
  /** `<owner>.<aggregate>.<pastTenseVerb>`, also the event's type. */
  subject: TSubject;
  /** The publishing worker: the first part of the subject, and the name of its stream. */
  owner: string;
  schema: TSchema;
}

export type EventData<E extends EventDefinition> = z.output<E["schema"]>;

export function defineEvent<TSubject extends string, TSchema extends z.ZodType>(subject: TSubject, schema: TSchema): EventDefinition<TSubject, TSchema> {
  const owner = subject.split(".")[0];
  if (!owner || subject.split(".").length !== 3) throw new Error(`event subject ${subject} is not <owner>.<aggregate>.<event>`);
  return { subject, owner, schema };
}

/** Parses an envelope and its data against the definition; throws a ZodError naming the field (`data.name`). */
export function parseEvent<E extends EventDefinition>(definition: E, envelope: unknown): EventEnvelope<EventData<E>> {
  const parsed = eventEnvelopeSchema.parse(envelope);
  const data = definition.schema.safeParse(parsed.data);
  if (!data.success) throw new z.ZodError(data.error.issues.map((issue) => ({ ...issue, path: ["data", ...issue.path] })));
  return { ...parsed, data: data.data as EventData<E> };
}

/** The JetStream stream holding a publisher's events, e.g. `orders` → stream `ORDERS`, subjects `orders.>`. */
export function streamOf(owner: string): { name: string; subjects: string[] } {
  return { name: owner.toUpperCase().replace(/[^A-Z0-9_]/g, "_"), subjects: [`${owner}.>`] };
}
