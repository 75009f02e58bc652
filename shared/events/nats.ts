/**
 * The worker's NATS connection, owned by one loop: it connects in the background and keeps
 * reconnecting forever, so a worker starts and serves with the broker down. Relays and
 * consumers ask the provider for the connection each time they need one.
 *
 * @example
 *   const nats = createNatsConnection({ url: config.NATS_URL, name: "users", logger }); // main.ts: context.nats()
 *   createUsersWorker({ ...base, db, now, nats }); // createWorker starts it first and stops it last
 */
import { connect, Events, type ConnectionOptions, type NatsConnection } from "nats";
import { natsServersOf } from "../core/config";
import type { Logger } from "../core/logger";
import type { WorkerLoop } from "../core/loop";

export type NatsStatus = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

/** What relays and consumers use: the live connection, or undefined while there is none. */
export interface NatsConnectionProvider {
  /** The connection while it is usable; undefined before the first connect and while reconnecting. */
  current(): NatsConnection | undefined;
  status(): NatsStatus;
  /** Copies JetStream keeps of the streams made over this connection (STREAM_REPLICAS; unset: 1). */
  streamReplicas?: number;
}

export interface NatsConnectionLoop extends NatsConnectionProvider, WorkerLoop {}

/** How long a relay or consumer waits quietly for the worker's first NATS connection before warning. */
const firstConnectGraceMs = 5_000;

/**
 * Whether a loop started at `loopStartedAt` is still inside the worker's first connect: its
 * "not connected" is then the normal start-up race, not an outage worth a warning.
 */
export function awaitingFirstConnect(nats: NatsConnectionProvider, loopStartedAt: number): boolean {
  const status = nats.status();
  return (status === "idle" || status === "connecting") && Date.now() - loopStartedAt < firstConnectGraceMs;
}

export interface CreateNatsConnectionOptions {
  url: string;
  /** Connection name shown by the server (the worker's name). */
  name: string;
  logger: Logger;
  reconnectTimeWaitMs?: number;
  /** After nats.js gives up on a connection (e.g. an authorization error), start over after this long. Default 5000. */
  retryAfterMs?: number;
  /** STREAM_REPLICAS: the replica count of the streams this worker makes (its own and the dead letters). */
  streamReplicas?: number;
  /** The worker's NATS user and password (the launcher's nats-server has one user per worker). */
  user?: string;
  pass?: string;
}

/** The connection loop's state, shared by the functions below. */
interface ConnectionState {
  connection?: NatsConnection;
  status: NatsStatus;
  stopping: boolean;
  failedAttempts: number;
  retryTimer?: ReturnType<typeof setTimeout>;
}

export function createNatsConnection(options: CreateNatsConnectionOptions): NatsConnectionLoop {
  const state: ConnectionState = { status: "idle", stopping: false, failedAttempts: 0 };
  const retryAfterMs = options.retryAfterMs ?? 5_000;
  let connecting: Promise<void> | undefined;

  /**
   * Connects in the background. nats.js keeps reconnecting a connection it once had, but gives
   * up for good on some errors (an authorization error, a server that closes the connection): then
   * this starts over after `retryAfterMs`, so a broker fixed later (credentials, a restart with
   * users) is picked up without restarting the worker.
   */
  const open = () => {
    state.retryTimer = undefined;
    if (state.stopping) return;
    state.status = "connecting";
    const retry = () => (state.retryTimer = setTimeout(open, retryAfterMs));
    connecting = connect(connectOptionsOf(options)).then(
      (nc) => adopt(state, nc, options.logger, retryAfterMs, retry),
      (error) => connectFailed(state, error, options.logger, retryAfterMs, retry),
    );
  };

  return {
    name: "nats",
    current: () => (state.status === "connected" ? state.connection : undefined),
    status: () => state.status,
    ...(options.streamReplicas ? { streamReplicas: options.streamReplicas } : {}),
    start() {
      if (connecting) return;
      open();
    },
    async stop() {
      state.stopping = true;
      if (state.retryTimer) clearTimeout(state.retryTimer);
      const nc = state.connection;
      state.connection = undefined;
      if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
      state.status = "closed";
    },
    health: () => ({ nats: { status: state.status, ...(state.failedAttempts > 0 ? { failedAttempts: state.failedAttempts } : {}) } }),
  };
}

function connectOptionsOf(options: CreateNatsConnectionOptions): ConnectionOptions {
  return {
    // NATS_URL may list the nodes of a cluster: the connection moves to another when one is lost.
    servers: natsServersOf(options.url),
    // In the order given (own host's node first, as the README says to list them); nats.js shuffles them otherwise.
    noRandomize: true,
    // Its own inboxes only (shared/mesh/nats-auth.ts inboxPrefixOf): others' replies and deliveries are not its to read.
    ...(options.user ? { user: options.user, pass: options.pass, inboxPrefix: `_INBOX_${options.user}` } : {}),
    name: options.name,
    maxReconnectAttempts: -1,
    // The connect promise is not awaited: with waitOnFirstConnect it settles only once a server answers.
    waitOnFirstConnect: true,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 1000,
  };
}

/** A connect succeeded: the connection is the loop's until it closes for good, then `retry` starts over. */
function adopt(state: ConnectionState, nc: NatsConnection, logger: Logger, retryAfterMs: number, retry: () => void): void {
  if (state.stopping) return void nc.close();
  state.connection = nc;
  state.status = "connected";
  state.failedAttempts = 0;
  logger.info({ server: nc.getServer() }, "NATS connected");
  void watch(state, nc, logger);
  void nc.closed().then((error) => {
    if (state.connection === nc) state.connection = undefined;
    state.status = "closed";
    if (state.stopping) return;
    logger.error({ err: error }, `NATS connection closed; connecting again in ${retryAfterMs} ms`);
    retry();
  });
}

/** Follows nats.js's own reconnects of a live connection. */
async function watch(state: ConnectionState, nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const event of nc.status()) {
    if (event.type === Events.Disconnect) {
      state.status = "reconnecting";
      logger.warn({ server: event.data }, "NATS disconnected; events wait in the outbox");
    } else if (event.type === Events.Reconnect) {
      state.status = "connected";
      logger.info({ server: event.data }, "NATS reconnected");
    }
  }
}

function connectFailed(state: ConnectionState, error: unknown, logger: Logger, retryAfterMs: number, retry: () => void): void {
  state.status = "closed";
  state.failedAttempts += 1;
  // Loud once, then quiet: the status in /health/ready keeps saying it.
  const log = state.failedAttempts === 1 ? logger.error.bind(logger) : logger.debug.bind(logger);
  log({ err: error, attempts: state.failedAttempts }, `NATS connection failed; trying again every ${retryAfterMs} ms`);
  if (!state.stopping) retry();
}

/** A provider over a connection someone else owns (tests, CLI commands). */
export function fixedNatsConnection(nc: NatsConnection, options: { streamReplicas?: number } = {}): NatsConnectionProvider {
  return {
    ...options,
    current: () => (nc.isClosed() ? undefined : nc),
    status: () => (nc.isClosed() ? "closed" : "connected"),
  };
}
