import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger } from "../core/logger";
import { createServiceIdentity } from "../rpc/identity";
import { answers, procedures, router } from "../rpc/trpc";
import { createWorker, type WorkerLoop } from "./worker";
import type { NatsConnectionLoop } from "../events/nats";

const p = procedures<Record<string, never>>();
const echoRouter = router({ echo: p.internal.input(z.strictObject({ text: z.string() })).query(({ input }) => input) });
const logger = createLogger({ worker: "echo", level: "silent" });
const echoInput = `?input=${encodeURIComponent(JSON.stringify({ text: "hi" }))}`;

/** A loop that writes its start and stop into `events`, standing in for NATS, a relay or a sweeper. */
const recorder = (name: string, events: string[]): WorkerLoop => ({ name, start: () => void events.push(`start ${name}`), stop: () => void events.push(`stop ${name}`) });

describe("createWorker", () => {
  it("answers a path it does not serve with a JSON 404 in the error shape, like every other answer", async () => {
    const worker = createWorker({ name: "echo", router: echoRouter, deps: { logger, identity: null } });
    const res = await worker.app.request("/no/such/path", { method: "POST" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: "no route POST /no/such/path" } });
    expect(res.headers.get("x-correlation-id")).toBeTruthy();

    // The routes it does serve are untouched.
    expect((await worker.app.request("/health/live")).status).toBe(200);
    const echoed = await worker.app.request(`/trpc/echo${echoInput}`);
    expect(((await echoed.json()) as { result: { data: unknown } }).result.data).toEqual({ text: "hi" });
  });

  it("checks service tokens with the identity in its deps: a call without a token is refused", async () => {
    const identity = createServiceIdentity({ self: "echo", secret: "s".repeat(32) });
    const worker = createWorker({ name: "echo", router: echoRouter, deps: { logger, identity } });
    expect((await worker.app.request(`/trpc/echo${echoInput}`)).status).toBe(401);
    const caller = createServiceIdentity({ self: "orders", secret: "s".repeat(32) });
    const signed = await worker.app.request(`/trpc/echo${echoInput}`, { headers: await caller.headersFor("echo")() });
    expect(signed.status).toBe(200);
  });

  it("checks each answer against its output schema unless its deps turn the check off (OUTPUT_VALIDATION=off)", async () => {
    // A service whose answer drifted from the schema: `text` came back a number.
    const drifting = router({ echo: p.internal.concat(answers(z.strictObject({ text: z.string() }))).query(() => ({ text: 42 }) as unknown as { text: string }) });
    const checked = createWorker({ name: "echo", router: drifting, deps: { logger, identity: null } });
    const refused = await checked.app.request("/trpc/echo");
    expect(refused.status).toBe(500);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      "echo answered outside its output schema: text: Invalid input: expected string, received number",
    );
    const unchecked = createWorker({ name: "echo", router: drifting, deps: { logger, identity: null, checkOutputs: false } });
    const answered = await unchecked.app.request("/trpc/echo");
    expect(((await answered.json()) as { result: { data: unknown } }).result.data).toEqual({ text: 42 });
  });

  it("starts the connection first and the worker's own loops last, and stops them in reverse", async () => {
    const events: string[] = [];
    const nats = recorder("nats", events) as unknown as NatsConnectionLoop;
    const worker = createWorker({ name: "echo", router: echoRouter, deps: { logger, identity: null, nats }, loops: [recorder("sweeper", events)] });
    await worker.start();
    expect(worker.isReady()).toBe(true);
    await worker.stop();
    expect(events).toEqual(["start nats", "start sweeper", "stop sweeper", "stop nats"]);
  });

  it("refuses an outbox without the worker's database, naming the worker", () => {
    const nats = recorder("nats", []) as unknown as NatsConnectionLoop;
    expect(() => createWorker({ name: "echo", router: echoRouter, deps: { logger, identity: null, nats }, outbox: {} as never })).toThrow(/echo: an outbox or consumers need/);
  });
});
