import { afterAll, describe, expect, it } from "vitest";
import { connect } from "nats";
import { freePort, startNats, startWorker, stopAll, tempDir, trpcMutation, waitFor } from "./support/processes";
import { readStream } from "./fixtures/events-consumer/helpers";

afterAll(stopAll);

const ready = async (url: string) => (await fetch(`${url}/health/ready`)).json() as Promise<any>;

describe("users publishes its events through the outbox relay (Bun process)", () => {
  it("serves with NATS absent, shows the backlog in /health/ready, and drains it once NATS comes up", async () => {
    const natsPort = await freePort();
    const users = await startWorker("users", { DATA_DIR: tempDir("users-relay"), NATS_URL: `nats://127.0.0.1:${natsPort}` });
    const registered = await trpcMutation(users.url, "register", { email: "early@x.io", name: "Early" }, { "x-correlation-id": "corr-early" });
    expect(registered.status).toBe(200);
    const waiting = await ready(users.url);
    expect(waiting).toMatchObject({ ready: true, outbox: { pending: 1 }, nats: { status: "connecting" } });

    const nats = await startNats({ port: natsPort });
    await waitFor("outbox drained", async () => ((await ready(users.url)).outbox.pending === 0 ? true : undefined), 30_000);
    const nc = await connect({ servers: nats.url });
    const [message, ...rest] = await readStream(nc, "USERS");
    expect(rest).toHaveLength(0);
    const envelope = JSON.parse(new TextDecoder().decode(message!.data));
    expect(envelope).toMatchObject({ subject: "users.user.registered", correlationId: "corr-early", data: { userId: registered.body.result.data.id } });
    expect(message!.header.get("Nats-Msg-Id")).toBe(envelope.id);
    expect(message!.header.get("x-correlation-id")).toBe("corr-early");
    await nc.close();
    expect(await users.kill("SIGTERM")).toBe(0);
  });
});
