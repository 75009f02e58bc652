/** An event envelope as a consumer receives it, for in-process tests of a reaction: a fresh id each time. */
import { randomUUID } from "node:crypto";

export function envelopeOf<T>(definition: { subject: string }, data: T, at: Date) {
  return {
    id: randomUUID(),
    type: definition.subject,
    subject: definition.subject,
    occurredAt: at.toISOString(),
    correlationId: "corr",
    causationId: null,
    data,
  };
}
