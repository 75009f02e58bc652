/**
 * `npm run mesh -- rebuild <worker>`: asks a read-model worker of the running mesh (found in
 * DATA_DIR/mesh.json) to drop its read models and replay its streams from the start, and waits
 * until it has caught up. The worker's router must offer a `rebuild` mutation (reporting does).
 */
import { readMeshSettings } from "./settings";
import { readMeshState } from "./state";
import { operatorHeaders, operatorIdentity } from "./secrets";

export const summary = "drop a read-model worker's rows and replay its streams (rebuild reporting)";

export async function run(args: string[]): Promise<number> {
  const [worker] = args;
  if (!worker) {
    process.stderr.write("usage: npm run mesh -- rebuild <worker>   (e.g. rebuild reporting)\n");
    return 2;
  }
  const { dataDir } = readMeshSettings(process.env);
  const target = readMeshState(dataDir)?.workers.find((candidate) => candidate.name === worker);
  if (!target) {
    process.stderr.write(`no running worker named ${worker} (is the mesh up? DATA_DIR=${dataDir})\n`);
    return 1;
  }
  const response = await fetch(`${target.url}/trpc/rebuild`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(await operatorHeaders(operatorIdentity(dataDir, process.env), worker)) },
    body: "{}",
    signal: AbortSignal.timeout(120_000),
  }).catch((error: unknown) => {
    process.stderr.write(`${worker} at ${target.url} did not answer: ${String(error)}\n`);
    return undefined;
  });
  if (!response) return 1;
  const body = (await response.json().catch(() => ({}))) as { result?: { data?: unknown }; error?: { message?: string } };
  if (response.status === 404) {
    // The worker has no `rebuild` procedure: it keeps no read model that can be replayed.
    process.stderr.write(`${worker} has no read models to rebuild (it offers no rebuild procedure, as reporting does)\n`);
    return 2;
  }
  if (!response.ok) {
    process.stderr.write(`rebuild of ${worker} failed: ${body.error?.message ?? response.status}\n`);
    return 1;
  }
  const result = body.result?.data as { replayed?: number; tookMs?: number } | undefined;
  process.stdout.write(`${worker} rebuilt: ${result?.replayed ?? "?"} events replayed in ${result?.tookMs ?? "?"} ms\n`);
  return 0;
}
