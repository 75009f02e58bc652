/**
 * A consumer's decisions about what it is given, apart from NATS: what it reads (stream and
 * subject filter), what a delivered message is (an event to apply, a subject it ignores, or
 * malformed: straight to the dead letters), and what follows a handler's failure (a nak with a
 * growing delay, or the dead letters once the message has failed `maxDeliver` deliveries).
 *
 * @example
 *   const read = readMessage(msg.subject, msg.string(), handlers);
 *   if (read.kind === "event") ...; else if (read.kind === "malformed") deadLetter(read.error);
 */
import { ZodError } from "zod";
import { parseEvent, streamOf, type EventEnvelope } from "./envelope";
import type { EventHandler } from "./inbox";
import { backoffDelay, type BackoffSettings } from "./timing";

/** The nak delays of a failing handler when the consumer is given none. */
export const defaultNakDelay: BackoffSettings = { initialMs: 500, maxMs: 30_000 };

/**
 * The stream and subject filter of consumer `name` of `owner`'s events; throws on a name the
 * broker or the DLQ subject cannot take, or a handler for another worker's subject.
 */
export function consumerTarget(name: string, owner: string, handlers: Record<string, EventHandler<any>>, subjects?: string[]) {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`consumer name ${name} must be letters, digits, - or _`);
  for (const subject of Object.keys(handlers)) {
    if (!subject.startsWith(`${owner}.`)) throw new Error(`consumer ${name} reads ${owner}'s stream but handles ${subject}`);
  }
  const filter = subjects ?? Object.keys(handlers);
  // Several subjects become `<owner>.>`: nats-server 2.9 takes one filter subject.
  return { stream: streamOf(owner).name, filterSubject: filter.length === 1 ? filter[0]! : `${owner}.>` };
}

export type ReadMessage = { kind: "event"; event: EventEnvelope; handler: EventHandler<any> } | { kind: "ignored" } | { kind: "malformed"; error: string };

/**
 * The envelope check. Not JSON: malformed, whatever its subject. A subject with no handler (the
 * filter is wider than the handlers): ignored. An envelope or data failing the handler's schema,
 * or naming another subject than the message's: malformed.
 */
export function readMessage(subject: string, body: string, handlers: Record<string, EventHandler<any>>): ReadMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    return { kind: "malformed", error: `malformed message: not JSON (${(error as Error).message})` };
  }
  const handler = handlers[subject];
  if (!handler) return { kind: "ignored" };
  try {
    const event = parseEvent(handler.definition, raw);
    if (event.subject !== subject) throw new Error(`envelope subject ${event.subject} is not the message subject ${subject}`);
    return { kind: "event", event, handler };
  } catch (error) {
    return { kind: "malformed", error: `malformed message: ${describeError(error)}` };
  }
}

/**
 * After a handler failed on delivery number `attempts`: the message is poison from the
 * `maxDeliver`-th delivery on (later too: maxDeliver may have been lowered since) and goes to the
 * dead letters; before that it is nak'ed to come again after a delay growing with `attempts`.
 */
export function afterHandlerFailure(
  attempts: number,
  maxDeliver: number,
  nakDelay: BackoffSettings = defaultNakDelay,
): { action: "dead-letter" } | { action: "retry"; delayMs: number } {
  if (attempts >= maxDeliver) return { action: "dead-letter" };
  return { action: "retry", delayMs: backoffDelay(attempts, nakDelay) };
}

/** One line: zod issues as `path: message`, other errors by message. */
export function describeError(error: unknown): string {
  if (error instanceof ZodError) {
    return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}
