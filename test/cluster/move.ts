/**
 * A worker moved to another host, as an operator would: stopped on its host, its SQLite file
 * copied to the new host's DATA_DIR, started there. With no `<PEER>_URL` anywhere, its callers
 * must find it through NATS within seconds, and `mesh status --json` must show it on its new host.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { bunBin, runToEnd, tempDir } from "../support/processes";
import { gatewayCaller } from "../faults/gateway";
import { replicas } from "./replica-load";
import { until, type FaultContext, type FaultRecord } from "./faults";
import type { Instance } from "./cluster-mesh";
import type { TestHost } from "./hosts";

/** `npm run mesh -- status --json` from the driver, with NATS_URL listing every server and no local mesh.json. */
export async function meshStatus(ctx: FaultContext): Promise<{ code: number | null; workers: Record<string, any>[]; output: string }> {
  const result = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "status", "--json"], { NATS_URL: ctx.cluster.allClientUrls().join(","), DATA_DIR: tempDir("cluster-status") });
  const start = result.output.indexOf("{");
  const parsed = start >= 0 ? (JSON.parse(result.output.slice(start, result.output.lastIndexOf("}") + 1)) as { workers?: Record<string, any>[] }) : {};
  return { code: result.code, workers: parsed.workers ?? [], output: result.output };
}

/** Whether an entry of `mesh status --json` says the worker runs on that host (its name, MESH_HOST_NAME) at its address. */
export function statusShowsOn(entry: Record<string, any>, host: TestHost): boolean {
  const said = JSON.stringify([entry["host"], entry["url"], entry["metadata"]]);
  return said.includes(host.address) && said.includes(host.namespace);
}

export interface MoveResult extends FaultRecord {
  statusEntry: Record<string, any> | undefined;
}

/** Moves `instance` (a worker with a SQLite file) to `to`; `probePath` is a gateway route that calls it. */
export async function moveWorker(ctx: FaultContext, instance: Instance, to: TestHost, probePath: string): Promise<MoveResult> {
  const { mesh } = ctx;
  const from = mesh.hostOf(instance)!;
  const at = Date.now();
  await mesh.stop(instance, "SIGTERM");
  mkdirSync(join(to.dir, "data"), { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) {
    const file = join(from.dir, "data", `${instance}.db${suffix}`);
    if (existsSync(file)) copyFileSync(file, join(to.dir, "data", `${instance}.db${suffix}`));
  }
  await mesh.start(instance, to);
  const startedAt = Date.now();
  const live = replicas.filter((replica) => mesh.running.has(replica));
  await until(`${instance} on ${to.name} called through ${live.join(" and ")}`, async () => {
    const answers = await Promise.all(live.map((replica) => gatewayCaller(() => mesh.url(replica))("GET", probePath).catch(() => ({ status: 0, body: {} }))));
    return answers.every((answer) => answer.status === 200);
  });
  const calledAt = Date.now();
  let statusEntry: Record<string, any> | undefined;
  await until(
    `mesh status --json shows ${instance} on ${to.name}`,
    async () => {
      statusEntry = (await meshStatus(ctx)).workers.find((entry) => entry["name"] === instance && statusShowsOn(entry, to));
      return statusEntry !== undefined;
    },
    60_000,
  );
  return {
    fault: `${instance} moved from ${from.name} to ${to.name} (stopped, its SQLite file copied, started there)`,
    at,
    outageMs: startedAt - at,
    recoveryMs: calledAt - startedAt,
    recovered: `${instance} found and called through both gateway replicas (GET ${probePath}) after it answered ready on ${to.name}; mesh status --json shows it there`,
    notes: [],
    statusEntry,
  };
}
