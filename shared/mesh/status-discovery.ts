/**
 * The workers on the bus, whichever host runs them and whoever started them: every instance that
 * answers `$SRV.PING` (shared/rpc/service-registry.ts) with the URL, host and pid it registered, and
 * its readiness from `$SRV.STATS` (its readiness endpoint's data).
 *
 * @example const found = await workersOnTheBus({ natsUrl, user: "operator", pass }); // [] when NATS does not answer
 */
import { existsSync } from "node:fs";
import { connect, RequestStrategy, type NatsConnection } from "nats";
import { natsServersOf } from "../core/config";
import { readSecretFile } from "../core/secrets";
import { findServiceInstances } from "../rpc/service-registry";
import { natsPasswordFileOf } from "./secrets";

export interface BusWorker {
  name: string;
  instance: string;
  version: string;
  host: string | null;
  pid: number | null;
  url: string | null;
  /** From its stats; null when it did not say. */
  ready: boolean | null;
}

/** The operator's NATS login, when this DATA_DIR's launcher made one. */
export function operatorLoginOf(dataDir: string): { user?: string; pass?: string } {
  const file = natsPasswordFileOf(dataDir, "operator");
  return existsSync(file) ? { user: "operator", pass: readSecretFile(file, "operator NATS password") } : {};
}

export async function workersOnTheBus(options: { natsUrl: string; user?: string; pass?: string; maxWaitMs?: number }): Promise<BusWorker[] | undefined> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: natsServersOf(options.natsUrl), timeout: 2_000, maxReconnectAttempts: 0, ...(options.user ? { user: options.user, pass: options.pass } : {}) });
  } catch {
    return undefined;
  }
  try {
    const maxWaitMs = options.maxWaitMs ?? 1_500;
    const [instances, readiness] = await Promise.all([findServiceInstances(nc, "", maxWaitMs), readinessOf(nc, maxWaitMs)]);
    return instances
      .map((instance) => ({
        name: instance.name,
        instance: instance.id,
        version: instance.version,
        host: instance.metadata.host ?? null,
        pid: instance.metadata.pid ? Number(instance.metadata.pid) : null,
        url: instance.metadata.url ?? null,
        ready: readiness.get(instance.id) ?? null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name) || (a.host ?? "").localeCompare(b.host ?? ""));
  } finally {
    await nc.close();
  }
}

/** Each instance's readiness from `$SRV.STATS`: the data of its endpoints (`{ ready }`). */
async function readinessOf(nc: NatsConnection, maxWaitMs: number): Promise<Map<string, boolean>> {
  const readiness = new Map<string, boolean>();
  const client = nc.services.client({ strategy: RequestStrategy.JitterTimer, maxWait: maxWaitMs, jitter: Math.min(300, maxWaitMs) });
  try {
    for await (const stats of await client.stats()) {
      const data = stats.endpoints?.[0]?.data as { ready?: unknown } | undefined;
      if (typeof data?.ready === "boolean") readiness.set(stats.id, data.ready);
    }
  } catch {
    // No answers at all: readiness stays unknown.
  }
  return readiness;
}
