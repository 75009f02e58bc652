/**
 * A consumer's durable at the broker: made (with its publisher's stream, if that has not started
 * yet) or brought in line with the consumer's filter and ack wait, deleted for a rebuild, and
 * asked for its backlog.
 *
 * @example await ensureDurable(nc, { owner: "inventory", stream: "INVENTORY", name: "catalog-stock", filterSubject: "inventory.>", ackWaitMs: 30_000 });
 */
import { AckPolicy, DeliverPolicy, nanos, type NatsConnection } from "nats";
import type { NatsConnectionProvider } from "./nats";
import { ensureStream, isNotFound } from "./streams";

export interface DurableSpec {
  /** The publishing worker, whose stream is made if it is missing. */
  owner: string;
  stream: string;
  name: string;
  filterSubject: string;
  ackWaitMs: number;
  /** Copies of the publisher's stream, should this consumer make it (STREAM_REPLICAS). */
  replicas?: number;
}

export async function ensureDurable(nc: NatsConnection, spec: DurableSpec): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const { stream, name, filterSubject } = spec;
  const config = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    // Unlimited at the broker: the consumer decides when to dead-letter, so a crash at the
    // Nth delivery never silently drops a message.
    max_deliver: -1,
  };
  const existing = await jsm.consumers.info(stream, name).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  if (!existing) {
    // The publisher may not have started yet: make its stream so the durable can exist.
    await jsm.streams.info(stream).catch(async (error: unknown) => {
      if (!isNotFound(error)) throw error;
      await ensureStream(jsm, spec.owner, { replicas: spec.replicas });
    });
    await jsm.consumers.add(stream, config);
  } else if (existing.config.filter_subject !== filterSubject || existing.config.ack_wait !== config.ack_wait) {
    await jsm.consumers.update(stream, name, { filter_subject: filterSubject, ack_wait: config.ack_wait });
  }
}

/** Deletes the durable, so the consumer's next start reads the stream from its first message. */
export async function deleteDurable(nats: NatsConnectionProvider, stream: string, name: string): Promise<void> {
  const nc = nats.current();
  if (!nc) throw new Error("NATS is not connected: cannot reset the durable consumer");
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.delete(stream, name).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

/** Messages not yet delivered or not yet acked, per the broker; undefined without NATS or a durable. */
export async function durableBacklog(nats: NatsConnectionProvider, stream: string, name: string): Promise<{ pending: number; ackPending: number } | undefined> {
  const nc = nats.current();
  if (!nc) return undefined;
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.info(stream, name).catch(() => undefined);
  return info ? { pending: info.num_pending, ackPending: info.num_ack_pending } : undefined;
}
