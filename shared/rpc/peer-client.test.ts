import { afterEach, describe, expect, it } from "vitest";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { DomainError } from "../core/errors";
import { createLogger } from "../core/logger";
import { createPeerClient, peerErrorOf, PeerUnavailableError, type PeerClientOptions } from "./peer-client";
import { procedures, router } from "./trpc";
import { createWorker } from "../worker/worker";

// A real peer built with the kit: a tiny "ledger" worker served over HTTP by node:http.
interface LedgerDeps {
  notes: string[];
}
const p = procedures<LedgerDeps>();
const ledgerRouter = router({
  get: p.internal.input(z.strictObject({ id: z.string() })).query(({ input }) => {
    if (input.id !== "known") throw new DomainError("NOT_FOUND", `note ${input.id} not found`, { id: input.id });
    return { id: input.id };
  }),
  record: p.internal.input(z.strictObject({ note: z.string() })).mutation(({ ctx, input }) => {
    ctx.deps.notes.push(input.note);
    return { recorded: ctx.deps.notes.length };
  }),
});
type LedgerRouter = typeof ledgerRouter;

type PeerMode = "serve" | "reset" | "hang";

interface RunningPeer {
  url: string;
  port: number;
  /** "reset" drops each connection as its request arrives; "hang" never answers. */
  mode: PeerMode;
  requests: { method: string; headers: IncomingHttpHeaders }[];
  connections: number;
  notes: string[];
  close(): Promise<void>;
}

const running: RunningPeer[] = [];

async function startLedger(options: { port?: number; mode?: PeerMode } = {}): Promise<RunningPeer> {
  const notes: string[] = [];
  const worker = createWorker({ name: "ledger", router: ledgerRouter, deps: { notes, logger: createLogger({ worker: "ledger", level: "silent" }), identity: null } });
  await worker.start();
  const server: Server = createServer(async (req, res) => {
    peer.requests.push({ method: req.method ?? "GET", headers: req.headers });
    if (peer.mode === "hang") return;
    if (peer.mode === "reset") return void req.socket.destroy();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : []));
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const response = await worker.app.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined }));
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.writeHead(response.status);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  server.on("connection", () => void peer.connections++);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const peer: RunningPeer = {
    url: `http://127.0.0.1:${port}`,
    port,
    mode: options.mode ?? "serve",
    requests: [],
    connections: 0,
    notes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  running.push(peer);
  return peer;
}

async function closedPort(): Promise<number> {
  const peer = await startLedger();
  await peer.close();
  return peer.port;
}

function ledgerClient(url: string, options: Partial<PeerClientOptions> = {}) {
  return createPeerClient<LedgerRouter>({ self: "orders", peer: "ledger", url, ...options });
}

/** Runs a call, returning the domain error it failed with and how long it took. */
async function failureOf(call: () => Promise<unknown>): Promise<{ error: DomainError; elapsedMs: number }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { error: peerErrorOf(error, "ledger"), elapsedMs: performance.now() - started };
  }
  throw new Error("expected the call to fail");
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((peer) => peer.close()));
});

describe("peer client", () => {
  it("calls a live peer with the caller's name and answers with the peer's data", async () => {
    const peer = await startLedger();
    const ledger = ledgerClient(peer.url);
    expect(await ledger.client.get.query({ id: "known" })).toEqual({ id: "known" });
    expect(peer.requests[0]!.headers["x-mesh-caller"]).toBe("orders");
  });

  it("follows a resolver: a transport failure is reported, and the retry goes where the peer is now", async () => {
    const moved = await startLedger();
    let where = `http://127.0.0.1:${await closedPort()}`;
    const failures: string[] = [];
    const client = ledgerClient(where, {
      resolveUrl: () => where,
      onTransportFailure: (reason) => {
        failures.push(reason);
        where = moved.url; // what a lookup would find: the peer registered its new URL
      },
    }).client;
    expect(await client.get.query({ id: "known" })).toEqual({ id: "known" });
    expect(failures).toEqual(["unreachable"]);
    expect(moved.requests).toHaveLength(1);
  });

  it("fails within its timeout with PeerUnavailableError naming the peer when the peer is down", async () => {
    const ledger = ledgerClient(`http://127.0.0.1:${await closedPort()}`, { timeoutMs: 1_000 });
    const { error, elapsedMs } = await failureOf(() => ledger.client.get.query({ id: "known" }));
    expect(error).toBeInstanceOf(PeerUnavailableError);
    expect(error).toMatchObject({ code: "PEER_UNAVAILABLE", peer: "ledger", reason: "unreachable" });
    expect(error.message).toContain("ledger");
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it("gives up on a peer that never answers after about timeoutMs, retries included", async () => {
    const peer = await startLedger({ mode: "hang" });
    const ledger = ledgerClient(peer.url, { timeoutMs: 400, maxAttempts: 3 });
    const { error, elapsedMs } = await failureOf(() => ledger.client.get.query({ id: "known" }));
    expect(error).toMatchObject({ code: "PEER_UNAVAILABLE", peer: "ledger", reason: "timeout" });
    expect(elapsedMs).toBeGreaterThanOrEqual(390);
    expect(elapsedMs).toBeLessThan(800); // one deadline, not one per attempt (that would be 1200+)
    expect(peer.requests).toHaveLength(1);
  });

  it("lets one call set its own deadline, on the same breaker as the peer's other calls", async () => {
    const peer = await startLedger({ mode: "hang" });
    const ledger = ledgerClient(peer.url, { timeoutMs: 200, maxAttempts: 1, breakerThreshold: 2 });
    const short = await failureOf(() => ledger.client.get.query({ id: "known" }));
    expect(short.error).toMatchObject({ reason: "timeout" });
    expect(short.elapsedMs).toBeLessThan(590);
    const long = await failureOf(() => ledger.client.get.query({ id: "known" }, { context: { timeoutMs: 600 } }));
    expect(long.error).toMatchObject({ reason: "timeout" });
    expect(long.elapsedMs).toBeGreaterThanOrEqual(590);
    // Two timeouts through two deadlines opened one breaker: the peer has one, whatever the deadline.
    expect(ledger.breakerState()).toBe("open");
    // The deadline travels inside the client only; the peer never sees the carrier header.
    expect(peer.requests.map((r) => Object.keys(r.headers).filter((name) => name.includes("deadline")))).toEqual([[], []]);
  });

  it("retries a query after dropped connections", async () => {
    const peer = await startLedger({ mode: "reset" });
    const ledger = ledgerClient(peer.url, { maxAttempts: 3 });
    await failureOf(() => ledger.client.get.query({ id: "known" }));
    expect(peer.requests).toHaveLength(3);
  });

  it("retries a mutation only when it carries an idempotency key", async () => {
    const peer = await startLedger({ mode: "reset" });
    const ledger = ledgerClient(peer.url, { maxAttempts: 3 });

    const unkeyed = await failureOf(() => ledger.client.record.mutate({ note: "a" }));
    expect(unkeyed.error).toMatchObject({ code: "PEER_UNAVAILABLE", reason: "unreachable" });
    expect(peer.requests).toHaveLength(1);

    await failureOf(() => ledger.client.record.mutate({ note: "b" }, { context: { idempotencyKey: "order-1" } }));
    expect(peer.requests).toHaveLength(4);
    expect(peer.requests.slice(1).map((r) => r.headers["idempotency-key"])).toEqual(["order-1", "order-1", "order-1"]);
  });

  it("opens the breaker after N failures, then fails at once without a connection, and closes once the peer is back", async () => {
    const peer = await startLedger();
    const port = peer.port;
    await peer.close(); // the peer goes down
    const ledger = ledgerClient(peer.url, { breakerThreshold: 3, halfOpenAfterMs: 400, maxAttempts: 1 });

    for (let i = 0; i < 3; i++) {
      const { error } = await failureOf(() => ledger.client.get.query({ id: "known" }));
      expect(error).toMatchObject({ reason: "unreachable" });
    }
    expect(ledger.breakerState()).toBe("open");

    // The peer is back on its port, but the breaker stays open until halfOpenAfter: no call reaches it.
    const back = await startLedger({ port });
    const { error, elapsedMs } = await failureOf(() => ledger.client.get.query({ id: "known" }));
    expect(error).toBeInstanceOf(PeerUnavailableError);
    expect(error).toMatchObject({ code: "PEER_UNAVAILABLE", peer: "ledger", reason: "circuit_open" });
    expect(error.message).toBe("ledger is unavailable (circuit open)");
    expect(elapsedMs).toBeLessThan(100);
    expect(back.connections).toBe(0);
    expect(back.requests).toHaveLength(0);

    await sleep(450); // halfOpenAfter is a span of time: waiting it out is the behaviour under test
    expect(await ledger.client.get.query({ id: "known" })).toEqual({ id: "known" });
    expect(ledger.breakerState()).toBe("closed");
    expect(back.requests).toHaveLength(1);
  });

  it("passes a peer's domain errors through without tripping the breaker", async () => {
    const peer = await startLedger();
    const ledger = ledgerClient(peer.url, { breakerThreshold: 2 });
    for (let i = 0; i < 4; i++) {
      const { error } = await failureOf(() => ledger.client.get.query({ id: "missing" }));
      expect(error).not.toBeInstanceOf(PeerUnavailableError);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: "NOT_FOUND", message: "note missing not found", details: { id: "missing" } });
    }
    expect(peer.requests).toHaveLength(4);
    expect(ledger.breakerState()).toBe("closed");
  });
});
