/**
 * Rebuilds the read models from the streams: stop the consumer, delete its durable at the broker,
 * clear every read-model row and the consumer's inbox entries in one transaction, start again
 * from the first message, and wait until the broker says nothing is pending.
 */
import { eq } from "drizzle-orm";
import type { EventConsumer } from "../../shared/events/consumer";
import { inbox, readModelTables } from "./schema";
import type { ReportingDb } from "./service";

export async function rebuildReadModels(
  db: ReportingDb,
  consumer: EventConsumer,
  consumerName: string,
  options: { timeoutMs?: number } = {},
): Promise<{ replayed: number; tookMs: number }> {
  const started = Date.now();
  await consumer.reset();
  db.transaction(
    (tx) => {
      for (const table of readModelTables) tx.delete(table).run();
      tx.delete(inbox).where(eq(inbox.consumer, consumerName)).run();
    },
    { behavior: "immediate" },
  );
  const handledBefore = consumer.stats().handled;
  await consumer.start();
  const deadline = started + (options.timeoutMs ?? 60_000);
  // Caught up when the recreated durable exists and has nothing pending or unacked.
  for (;;) {
    const backlog = await consumer.backlog();
    if (backlog && backlog.pending === 0 && backlog.ackPending === 0) break;
    if (Date.now() > deadline) throw new Error("rebuild did not catch up with the streams in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { replayed: consumer.stats().handled - handledBefore, tookMs: Date.now() - started };
}
