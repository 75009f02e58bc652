/**
 * Preload (`bun run --preload test/support/preload-relay-kill.ts workers/<w>/main.ts`): the
 * worker SIGKILLs itself right after JetStream acks its Nth publish on KILL_TEST_SUBJECT, before
 * the outbox relay hears of the ack, so the row stays unsent (preload-kill.ts has the marker).
 * Every ack is appended to KILL_TEST_ACKS (JSON lines: subject, msgId, duplicate, pid), so a
 * test sees the restarted relay republish the row and the broker call it a duplicate. The seam is
 * nats.js's JetStream client, not bunmesh's relay: no hook in shipped code.
 */
import { appendFileSync } from "node:fs";
import { JetStreamClientImpl } from "nats/lib/jetstream/jsclient";
import type { JetStreamPublishOptions, PubAck } from "nats";
import { killSwitchFromEnv } from "./preload-kill";

const acksFile = process.env["KILL_TEST_ACKS"];
const killSwitch = killSwitchFromEnv();
const publish = JetStreamClientImpl.prototype.publish;

JetStreamClientImpl.prototype.publish = async function (this: JetStreamClientImpl, subject: string, data?: Uint8Array, options?: Partial<JetStreamPublishOptions>): Promise<PubAck> {
  const ack = await publish.call(this, subject, data, options);
  const msgId = options?.msgID;
  if (acksFile) appendFileSync(acksFile, `${JSON.stringify({ subject, msgId, duplicate: ack.duplicate, seq: ack.seq, pid: process.pid })}\n`);
  killSwitch.hit(subject, () => ({ msgId, seq: ack.seq }));
  return ack;
};
