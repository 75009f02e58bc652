/**
 * The dead-letter stream (`DLQ`, subjects `dlq.<consumer>.<original subject>`): where a consumer
 * puts a message it gave up on (N failed deliveries, or malformed), with the original payload and
 * headers (trace context included) plus why. Operators list, show, replay and drop them
 * (`npm run mesh -- dlq ...`). A replay republishes to the original subject with the original
 * payload and trace headers, under a fresh Nats-Msg-Id (`<eventId>:replay:<dlq seq>`) so the
 * broker's duplicate window does not swallow it; consumers' inboxes still dedupe by event id.
 *
 * @example
 *   for (const letter of await listDeadLetters(nc)) console.log(letter.seq, letter.error);
 *   await replayDeadLetter(nc, 7);
 */
import { headers as natsHeaders, type JsMsg, type MsgHdrs, type NatsConnection, type MsgRequest, type PubAck, type StoredMsg } from "nats";
import { ensureNamedStream, isNotFound, type StreamSettings } from "./streams";

export const deadLetterStream = { name: "DLQ", subjects: ["dlq.>"] };

/** Headers a dead letter carries besides the original message's own. */
export const deadLetterHeaders = {
  subject: "Dlq-Original-Subject",
  stream: "Dlq-Original-Stream",
  streamSeq: "Dlq-Original-Seq",
  msgId: "Dlq-Original-Msg-Id",
  consumer: "Dlq-Consumer",
  error: "Dlq-Error",
  attempts: "Dlq-Attempts",
  failedAt: "Dlq-Failed-At",
} as const;

export interface DeadLetter {
  seq: number;
  consumer: string;
  originalSubject: string;
  originalStream: string;
  originalSeq: number;
  /** The original Nats-Msg-Id (the event id, for mesh events). */
  originalMsgId: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  /** The original message's headers (traceparent, tracestate, x-correlation-id, ...). */
  headers: Record<string, string>;
  data: string;
}

/** Creates or updates the DLQ stream; a consumer does it once per connection, before its first dead letter. */
export async function ensureDeadLetterStream(nc: NatsConnection, settings?: StreamSettings): Promise<void> {
  await ensureNamedStream(await nc.jetstreamManager(), deadLetterStream, settings);
}

/** Header values are single lines; errors (zod's included) may not be. */
function headerValue(text: string): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, 2000);
}

/**
 * Publishes `msg` to the dead letters of `consumer` (the DLQ stream must exist:
 * ensureDeadLetterStream). Idempotent per (consumer, original message).
 */
export async function publishDeadLetter(nc: NatsConnection, letter: { msg: JsMsg; consumer: string; error: string; attempts: number }): Promise<PubAck> {
  const { msg } = letter;
  const h = natsHeaders();
  for (const [key, values] of msg.headers ?? []) {
    if (key.toLowerCase().startsWith("nats-")) continue;
    for (const value of values) h.append(key, value);
  }
  h.set(deadLetterHeaders.subject, msg.subject);
  h.set(deadLetterHeaders.stream, msg.info.stream);
  h.set(deadLetterHeaders.streamSeq, String(msg.info.streamSequence));
  const msgId = msg.headers?.get("Nats-Msg-Id");
  if (msgId) h.set(deadLetterHeaders.msgId, msgId);
  h.set(deadLetterHeaders.consumer, letter.consumer);
  h.set(deadLetterHeaders.error, headerValue(letter.error));
  h.set(deadLetterHeaders.attempts, String(letter.attempts));
  h.set(deadLetterHeaders.failedAt, new Date().toISOString());
  return nc.jetstream().publish(`dlq.${letter.consumer}.${msg.subject}`, msg.data, {
    headers: h,
    msgID: `${letter.consumer}:${msg.info.stream}:${msg.info.streamSequence}`,
  });
}

function toDeadLetter(stored: StoredMsg): DeadLetter {
  const h = stored.header;
  const own = new Set<string>(Object.values(deadLetterHeaders).map((k) => k.toLowerCase()));
  const original: Record<string, string> = {};
  for (const key of h?.keys() ?? []) if (!own.has(key.toLowerCase()) && !key.toLowerCase().startsWith("nats-")) original[key] = h.get(key);
  const get = (key: string) => h?.get(key) ?? "";
  return {
    seq: stored.seq,
    consumer: get(deadLetterHeaders.consumer),
    originalSubject: get(deadLetterHeaders.subject),
    originalStream: get(deadLetterHeaders.stream),
    originalSeq: Number(get(deadLetterHeaders.streamSeq)),
    originalMsgId: get(deadLetterHeaders.msgId) || null,
    error: get(deadLetterHeaders.error),
    attempts: Number(get(deadLetterHeaders.attempts)),
    failedAt: get(deadLetterHeaders.failedAt),
    headers: original,
    data: new TextDecoder().decode(stored.data),
  };
}

async function storedDeadLetter(nc: NatsConnection, seq: number): Promise<StoredMsg | undefined> {
  const jsm = await nc.jetstreamManager();
  try {
    return await jsm.streams.getMessage(deadLetterStream.name, { seq });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The dead letter at `seq`, or undefined when there is none (dropped, replayed or never). */
export async function showDeadLetter(nc: NatsConnection, seq: number): Promise<DeadLetter | undefined> {
  const stored = await storedDeadLetter(nc, seq);
  return stored && toDeadLetter(stored);
}

/**
 * Dead letters in order, optionally of one consumer, at most `limit` (default 1,000): each read
 * asks the stream for the next letter on that consumer's subjects (`dlq.<consumer>.>`) at or after
 * the last one, so the broker skips the other consumers' letters and the gaps that replays and
 * drops leave: one request per letter, not one per sequence number.
 */
export async function listDeadLetters(nc: NatsConnection, filter: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(deadLetterStream.name).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!info || info.state.messages === 0) return [];
  const limit = filter.limit ?? 1000;
  const subject = filter.consumer ? `dlq.${filter.consumer}.>` : "dlq.>";
  const letters: DeadLetter[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && letters.length < limit;) {
    // STREAM.MSG.GET takes next_by_subj (the first message at or after seq on that subject); nats.js types it only for direct gets.
    const next = { seq, next_by_subj: subject } as unknown as MsgRequest;
    const stored = await jsm.streams.getMessage(deadLetterStream.name, next).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!stored) break;
    letters.push(toDeadLetter(stored));
    seq = stored.seq + 1;
  }
  return letters;
}

export interface ReplayResult {
  seq: number;
  subject: string;
  msgId: string;
  /** Where the replay landed in the original stream. */
  streamSeq: number;
}

/**
 * Republishes a dead letter to its original subject with its original payload and headers, then
 * removes it from the DLQ (unless `keep`). Undefined when there is no dead letter at `seq`.
 */
export async function replayDeadLetter(nc: NatsConnection, seq: number, options: { keep?: boolean } = {}): Promise<ReplayResult | undefined> {
  const stored = await storedDeadLetter(nc, seq);
  if (!stored) return undefined;
  const letter = toDeadLetter(stored);
  const h: MsgHdrs = natsHeaders();
  for (const [key, value] of Object.entries(letter.headers)) h.set(key, value);
  h.set("Dlq-Replay-Of", String(seq));
  const msgId = `${letter.originalMsgId ?? `${letter.originalStream}-${letter.originalSeq}`}:replay:${seq}`;
  // The stored bytes, not the decoded text: a malformed payload is replayed exactly as it came.
  const ack = await nc.jetstream().publish(letter.originalSubject, stored.data, { headers: h, msgID: msgId });
  if (!options.keep) await dropDeadLetter(nc, seq);
  return { seq, subject: letter.originalSubject, msgId, streamSeq: ack.seq };
}

/** Deletes a dead letter; false when there was none at `seq`. */
export async function dropDeadLetter(nc: NatsConnection, seq: number): Promise<boolean> {
  const jsm = await nc.jetstreamManager();
  try {
    return await jsm.streams.deleteMessage(deadLetterStream.name, seq, false);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
