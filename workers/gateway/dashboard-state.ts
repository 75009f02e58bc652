/**
 * What the mesh dashboard shows, gathered on each request: every worker's own /health/ready (its
 * process, outbox, consumers, the streams it consumes, the peers it calls, its last backup) for the
 * gateway's peers and every other worker on the bus, the gateway's own process, and the sagas orders says need attention. A worker that does not answer
 * is listed as down with the reason; the rest are shown as they answered.
 */
import packageJson from "../../package.json" with { type: "json" };
import type { GatewayDeps } from "./deps";

export interface WorkerView {
  name: string;
  url: string;
  up: boolean;
  ready: boolean;
  pid: number | null;
  uptimeS: number | null;
  version: string | null;
  /** The workers it calls (from its `<PEER>_URL` settings, as its /health/ready lists them). */
  peers: string[];
  /** The streams it consumes, with the durable on each (from its consumers). */
  consumes: { owner: string; durable: string }[];
  outbox: Record<string, unknown> | null;
  /** Its circuit breaker per peer, where it reports them (the gateway does). */
  breakers: Record<string, string>;
  consumers: Record<string, Record<string, unknown>>;
  backup: Record<string, unknown> | null;
  error: string | null;
}

export interface SagaNeedingAttention {
  orderId: string;
  step: string | null;
  attempts: number;
  lastError: string | null;
  updatedAt: string;
  /** The order's correlation ID (its traces carry it as `correlation.id`); null when orders could not say. */
  correlationId: string | null;
}

export interface MeshState {
  at: string;
  workers: WorkerView[];
  sagas: SagaNeedingAttention[];
  /** Why the sagas could not be read (orders down), or null. */
  sagasError: string | null;
  /** Jaeger's UI, for links to a saga's traces; null: no links. */
  jaegerUiUrl: string | null;
}

type Health = Record<string, unknown>;

const objectOr = (value: unknown): Record<string, unknown> | null => (typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null);

/** A worker's view from its /health/ready body (a 503 body still says what it knows). */
export function workerViewOf(name: string, url: string, status: number, body: Health): WorkerView {
  const process = objectOr(body["process"]);
  return {
    name,
    url,
    up: true,
    ready: status === 200 && body["ready"] === true,
    pid: typeof process?.["pid"] === "number" ? process["pid"] : null,
    uptimeS: typeof process?.["uptimeS"] === "number" ? process["uptimeS"] : null,
    version: typeof process?.["version"] === "string" ? process["version"] : null,
    peers: Array.isArray(body["peers"]) ? body["peers"].map(String) : [],
    consumes: Array.isArray(body["consumes"]) ? (body["consumes"] as WorkerView["consumes"]) : [],
    outbox: objectOr(body["outbox"]),
    breakers: (objectOr(body["breakers"]) ?? {}) as WorkerView["breakers"],
    consumers: (objectOr(body["consumers"]) ?? {}) as WorkerView["consumers"],
    backup: objectOr(body["backup"]),
    error: null,
  };
}

function downView(name: string, url: string, error: string): WorkerView {
  const none = { pid: null, uptimeS: null, version: null, outbox: null, backup: null };
  return { name, url, up: false, ready: false, ...none, peers: [], consumes: [], breakers: {}, consumers: {}, error };
}

async function probe(deps: GatewayDeps, target: { name: string; url: string }): Promise<WorkerView> {
  const fetch = deps.fetch ?? globalThis.fetch;
  try {
    const answer = await fetch(`${target.url}/health/ready`, { signal: AbortSignal.timeout(deps.healthProbeTimeoutMs) });
    const body = (await answer.json().catch(() => ({}))) as Health;
    return workerViewOf(target.name, target.url, answer.status, body);
  } catch (error) {
    return downView(target.name, target.url, (error as Error).message);
  }
}

/** The gateway itself: it is answering, so it is up; its peers are the clients it was given. */
function gatewayView(deps: GatewayDeps): WorkerView {
  const self = workerViewOf("gateway", "", 200, { ready: true, process: { pid: process.pid, uptimeS: Math.round(process.uptime()), version: packageJson.version } });
  return { ...self, peers: Object.keys(deps.peers), breakers: deps.breakers?.() ?? {} };
}

/** The saga's order's correlation ID, asked of orders (the saga view does not carry it). */
async function correlationIdOf(deps: GatewayDeps, orderId: string): Promise<string | null> {
  try {
    return (await deps.peers.orders.get.query({ id: orderId })).correlationId ?? null;
  } catch {
    return null;
  }
}

async function sagasNeedingAttention(deps: GatewayDeps): Promise<Pick<MeshState, "sagas" | "sagasError">> {
  try {
    const found = await deps.peers.orders.sagas.query({ status: "NEEDS_ATTENTION", limit: 20 });
    const sagas = await Promise.all(
      found.items.map(async ({ orderId, step, attempts, lastError, updatedAt }) => ({
        orderId,
        step,
        attempts,
        lastError,
        updatedAt,
        correlationId: await correlationIdOf(deps, orderId),
      })),
    );
    return { sagas, sagasError: null };
  } catch (error) {
    return { sagas: [], sagasError: (error as Error).message };
  }
}

/** The workers on the bus that are not the gateway's peers (nor the gateway), one per name; none when the bus cannot say. */
async function otherWorkers(deps: GatewayDeps): Promise<{ name: string; url: string }[]> {
  const known = new Set(["gateway", ...deps.healthTargets.map((target) => target.name)]);
  const found = await (deps.findWorkers?.() ?? Promise.resolve([])).catch(() => []);
  const others = new Map(found.filter((worker) => !known.has(worker.name)).map((worker) => [worker.name, worker] as const));
  return [...others.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function meshState(deps: GatewayDeps): Promise<MeshState> {
  const probeAll = (targets: { name: string; url: string }[]) => Promise.all(targets.map((target) => probe(deps, target)));
  const [peers, others, sagas] = await Promise.all([probeAll(deps.healthTargets), otherWorkers(deps).then(probeAll), sagasNeedingAttention(deps)]);
  return { at: new Date().toISOString(), workers: [gatewayView(deps), ...peers, ...others], ...sagas, jaegerUiUrl: deps.jaegerUiUrl ?? null };
}
