/**
 * Preload (`bun run --preload test/support/preload-consumer-kill.ts workers/<w>/main.ts`): the
 * worker SIGKILLs itself in the middle of handling its Nth message on KILL_TEST_SUBJECT, at
 * KILL_TEST_AT (preload-kill.ts has the marker):
 * - `before-commit`: right after the handler's inbox row is written (bun:sqlite's statement run),
 *   inside the open transaction, so the effect is written but not committed;
 * - `after-commit`: when nats.js's `JsMsg.ack()` is called, after the commit, before the ack leaves.
 * KILL_TEST_ACK_WAIT_MS shortens the durable consumer's ack wait at the broker (nats.js's consumer
 * API), so the message the dead process held is redelivered in seconds instead of 30 s.
 * The seams are libraries (nats, bun:sqlite), not bunmesh's consumer: no hook in shipped code.
 */
import { Database, type Statement } from "bun:sqlite";
import { nanos, type ConsumerConfig, type ConsumerUpdateConfig } from "nats";
import { ConsumerAPIImpl } from "nats/lib/jetstream/jsmconsumer_api";
import { JsMsgImpl } from "nats/lib/jetstream/jsmsg";
import { killSwitchFromEnv } from "./preload-kill";

const killSwitch = killSwitchFromEnv();
const at = process.env["KILL_TEST_AT"];
const ackWaitMs = Number(process.env["KILL_TEST_ACK_WAIT_MS"] ?? 0);

if (at === "after-commit") {
  const ack = JsMsgImpl.prototype.ack;
  JsMsgImpl.prototype.ack = function (this: JsMsgImpl) {
    killSwitch.hit(this.subject, () => ({ at, eventId: (this.json() as { id?: string }).id, streamSequence: this.info.streamSequence, deliveryCount: this.info.deliveryCount }));
    return ack.call(this);
  };
}

if (at === "before-commit") {
  // The consumer inserts its inbox row (consumer, event_id, subject, handled_at) last in its transaction.
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database, sql: string, ...rest: never[]) {
    const statement = (prepare as (this: Database, sql: string, ...rest: never[]) => Statement).call(this, sql, ...rest);
    if (!/^insert into "inbox"/i.test(sql)) return statement;
    const run = statement.run.bind(statement);
    statement.run = ((...params: unknown[]) => {
      const result = run(...(params as never[]));
      killSwitch.hit(String(params[2]), () => ({ at, eventId: params[1], consumer: params[0] }));
      return result;
    }) as typeof statement.run;
    return statement;
  } as typeof Database.prototype.prepare;
}

if (ackWaitMs > 0) {
  const add = ConsumerAPIImpl.prototype.add;
  const update = ConsumerAPIImpl.prototype.update;
  ConsumerAPIImpl.prototype.add = function (this: ConsumerAPIImpl, stream: string, config: ConsumerConfig, ...rest: never[]) {
    return add.call(this, stream, { ...config, ack_wait: nanos(ackWaitMs) }, ...rest);
  };
  ConsumerAPIImpl.prototype.update = function (this: ConsumerAPIImpl, stream: string, durable: string, config: Partial<ConsumerUpdateConfig>) {
    return update.call(this, stream, durable, { ...config, ack_wait: nanos(ackWaitMs) });
  };
}
