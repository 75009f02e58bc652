/**
 * The worker's NATS connection, owned by one loop: it connects in the background and keeps
 * reconnecting forever, so a worker starts and serves with the broker down. Relays and
 * consumers ask the provider for the connection each time they need one.
 *
 * @example
 *   const nats = createNatsConnection({ url: config.NATS_URL, name: "users", logger }); // main.ts: context.nats()
 *   createUsersWorker({ ...base, db, now, nats }); // createWorker starts it first and stops it last
 */
import { connect, Events, type NatsConnection } from "nats";
import type { Logger } from "../logger";
import type { WorkerLoop } from "../worker-loop";

export type NatsStatus = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

/** What relays and consumers use: the live connection, or undefined while there is none. */
export interface NatsConnectionProvider {
  /** The connection while it is usable; undefined before the first connect and while reconnecting. */
  current(): NatsConnection | undefined;
  status(): NatsStatus;
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
  /** The worker's NATS user and password (the launcher's nats-server has one user per worker). */
  user?: string;
  pass?: string;
}

export function createNatsConnection(options: CreateNatsConnectionOptions): NatsConnectionLoop {
  const { logger } = options;
  let connection: NatsConnection | undefined;
  let status: NatsStatus = "idle";
  let stopping = false;
  let connecting: Promise<void> | undefined;

  const watch = async (nc: NatsConnection) => {
    for await (const event of nc.status()) {
      if (event.type === Events.Disconnect) {
        status = "reconnecting";
        logger.warn({ server: event.data }, "NATS disconnected; events wait in the outbox");
      } else if (event.type === Events.Reconnect) {
        status = "connected";
        logger.info({ server: event.data }, "NATS reconnected");
      }
    }
  };

  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failedAttempts = 0;
  const retryAfterMs = options.retryAfterMs ?? 5_000;

  /**
   * Connects in the background. nats.js keeps reconnecting a connection it once had, but gives
   * up for good on some errors (an authorization error, a server that closes the connection): then
   * this starts over after `retryAfterMs`, so a broker fixed later (credentials, a restart with
   * users) is picked up without restarting the worker.
   */
  const open = () => {
    retryTimer = undefined;
    if (stopping) return;
    status = "connecting";
    connecting = connect({
      servers: options.url,
      ...(options.user ? { user: options.user, pass: options.pass, inboxPrefix: `_INBOX_${options.user}` } : {}), // its own inboxes only (mesh/nats-auth.ts inboxPrefixOf)
      name: options.name,
      maxReconnectAttempts: -1,
      // Not awaited: with waitOnFirstConnect the promise settles only once a server answers.
      waitOnFirstConnect: true,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 1000,
    }).then(
      (nc) => {
        if (stopping) return void nc.close();
        connection = nc;
        status = "connected";
        failedAttempts = 0;
        logger.info({ server: nc.getServer() }, "NATS connected");
        void watch(nc);
        void nc.closed().then((error) => {
          if (connection === nc) connection = undefined;
          status = "closed";
          if (stopping) return;
          logger.error({ err: error }, `NATS connection closed; connecting again in ${retryAfterMs} ms`);
          retryTimer = setTimeout(open, retryAfterMs);
        });
      },
      (error) => {
        status = "closed";
        failedAttempts += 1;
        // Loud once, then quiet: the status in /health/ready keeps saying it.
        const log = failedAttempts === 1 ? logger.error.bind(logger) : logger.debug.bind(logger);
        log({ err: error, attempts: failedAttempts }, `NATS connection failed; trying again every ${retryAfterMs} ms`);
        if (!stopping) retryTimer = setTimeout(open, retryAfterMs);
      },
    );
  };

  return {
    name: "nats",
    current: () => (status === "connected" ? connection : undefined),
    status: () => status,
    start() {
      if (connecting) return;
      open();
    },
    async stop() {
      stopping = true;
      if (retryTimer) clearTimeout(retryTimer);
      const nc = connection;
      connection = undefined;
      if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
      status = "closed";
    },
    health: () => ({ nats: { status, ...(failedAttempts > 0 ? { failedAttempts } : {}) } }),
  };
}

/** A provider over a connection someone else owns (tests, CLI commands). */
export function fixedNatsConnection(nc: NatsConnection): NatsConnectionProvider {
  return {
    current: () => (nc.isClosed() ? undefined : nc),
    status: () => (nc.isClosed() ? "closed" : "connected"),
  };
}
