/**
 * Workers found through NATS: each worker registers as a NATS service (the nats.js services API:
 * name, version, an instance id per process; metadata with the HTTP URL peers call, its host and
 * pid) and answers `$SRV.PING/INFO/STATS` by itself; its readiness is the data of its one endpoint
 * (`svc.<worker>.ready`) in `$SRV.STATS`. The registration follows the worker's NATS connection:
 * nats.js keeps its subscriptions across reconnects (to another node of a cluster), and when the
 * connection loop replaces a connection it gave up on, the service is added again on the new one.
 *
 * @example
 *   const registration = createServiceRegistration({ nats, name: "orders", version: "0.1.0", metadata: { url, host, pid }, isReady, logger });
 *   registration.start(); // main.ts, once the HTTP server listens
 *   const instances = await findServiceInstances(nc, "inventory"); // [{ id, name, version, metadata: { url, ... } }]
 */
import { RequestStrategy, type NatsConnection, type Service } from "nats";
import type { Logger } from "../core/logger";
import type { NatsConnectionProvider } from "../events/nats";
import type { WorkerLoop } from "../core/loop";

/** What a worker says about itself in its registration: where to call it, and which process it is. */
export interface ServiceMetadata {
  /** The HTTP base URL peers call. */
  url: string;
  host: string;
  pid: string;
  [key: string]: string;
}

export interface ServiceRegistrationOptions {
  nats: NatsConnectionProvider;
  name: string;
  version: string;
  metadata: ServiceMetadata;
  isReady: () => boolean;
  logger: Logger;
  /** How often it checks that the service sits on the current connection. Default 1000 ms. */
  checkEveryMs?: number;
  /** How often a registered worker looks for a new connection to register on. Default 5000 ms. */
  registeredCheckEveryMs?: number;
}

export interface ServiceRegistration extends WorkerLoop {
  /** The instance id of the current registration (a new one on each new connection). */
  instanceId(): string | undefined;
}

/** The readiness endpoint's subject: `svc.<worker>.ready` (not `<worker>.>`, which is the worker's stream). */
export const readySubjectOf = (name: string) => `svc.${name}.ready`;

export function createServiceRegistration(options: ServiceRegistrationOptions): ServiceRegistration {
  const log = options.logger.child({ loop: "service-registration" });
  let service: { nc: NatsConnection; service: Service } | undefined;
  let adding: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;

  const check = () => {
    const nc = options.nats.current();
    if (!nc || adding || (service?.nc === nc && !service.service.isStopped)) return;
    adding = addService(nc, options)
      .then((added) => {
        service = { nc, service: added };
        log.info({ instance: added.info().id, url: options.metadata.url }, "registered as a NATS service");
      })
      .catch((error: unknown) => log.warn({ err: error }, "could not register as a NATS service; trying again"))
      .finally(() => (adding = undefined));
  };

  return {
    name: "service-registration",
    instanceId: () => (service && !service.service.isStopped ? service.service.info().id : undefined),
    start() {
      if (running) return;
      running = true;
      // Every checkEveryMs until registered on the current connection, then every registeredCheckEveryMs: a
      // registration lives as long as its connection, so a registered worker only watches for a new one.
      const tick = () => {
        check();
        if (!running) return;
        const registered = service !== undefined && service.nc === options.nats.current() && !service.service.isStopped;
        timer = setTimeout(tick, registered ? (options.registeredCheckEveryMs ?? 5_000) : (options.checkEveryMs ?? 1_000));
        (timer as { unref?: () => void }).unref?.();
      };
      tick();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      await adding;
      await service?.service.stop().catch(() => undefined);
      service = undefined;
    },
    health: () => ({ registration: { instance: service && !service.service.isStopped ? service.service.info().id : null } }),
  };
}

/** Adds the service on `nc`: its metadata, and the readiness endpoint whose stats data says whether it is ready. */
async function addService(nc: NatsConnection, options: ServiceRegistrationOptions): Promise<Service> {
  const service = await nc.services.add({
    name: options.name,
    version: options.version,
    description: `bunmesh worker ${options.name}`,
    metadata: options.metadata,
    statsHandler: async () => ({ ready: options.isReady() }),
  });
  service.addEndpoint("ready", {
    subject: readySubjectOf(options.name),
    handler: (_error, msg) => msg.respond(JSON.stringify({ ready: options.isReady() })),
  });
  return service;
}

/** One instance of a service as its ping answers. */
export interface ServiceInstance {
  id: string;
  name: string;
  version: string;
  metadata: Partial<ServiceMetadata>;
}

/**
 * Every instance of `name` (all services when empty) answering `$SRV.PING` within `maxWaitMs`:
 * the answers stop being collected once none came for a short while after the first.
 */
export async function findServiceInstances(nc: NatsConnection, name = "", maxWaitMs = 1_000): Promise<ServiceInstance[]> {
  const client = nc.services.client({ strategy: RequestStrategy.JitterTimer, maxWait: maxWaitMs, jitter: Math.min(300, maxWaitMs) });
  const instances: ServiceInstance[] = [];
  try {
    for await (const ping of await client.ping(name)) instances.push({ id: ping.id, name: ping.name, version: ping.version, metadata: ping.metadata ?? {} });
  } catch (error) {
    // "No responders": the server says nobody serves `name`, which is an answer (none runs).
    if ((error as { code?: string }).code !== "503") throw error;
  }
  return instances;
}

type Interfaces = Record<string, { address: string; family: string | number; internal: boolean }[] | undefined>;

/**
 * The URL a worker registers for peers: ADVERTISE_URL as given; else http://<ADVERTISE_HOST, or
 * HOST unless it is a wildcard, or this host's first external IPv4 address>:<port>.
 */
export function advertisedUrlOf(settings: { advertiseUrl?: string; advertiseHost?: string; host: string; port: number }, interfaces: Interfaces): string {
  if (settings.advertiseUrl) return settings.advertiseUrl.replace(/\/$/, "");
  const wildcard = settings.host === "0.0.0.0" || settings.host === "::";
  const external = Object.values(interfaces)
    .flat()
    .find((address) => address && !address.internal && (address.family === "IPv4" || address.family === 4))?.address;
  const host = settings.advertiseHost ?? (wildcard ? (external ?? "127.0.0.1") : settings.host);
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${settings.port}`;
}
