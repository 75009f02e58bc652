/**
 * `npm run mesh -- up` (= `npm start`): the whole mesh on one machine. Finds the workers,
 * makes sure there is a broker, starts each worker as its own Bun process with prefixed logs,
 * restarts crashed ones, prints the URLs once all are ready, and on SIGINT/SIGTERM stops
 * everything it started and exits 0.
 */
import { mkdirSync } from "node:fs";
import { checkWorkerConfigs, discoverWorkers, selectWorkers, workerEnv, type WorkerSpec } from "./discover";
import { parseUpArgs } from "./up-args";
import { ensureNats, type NatsHandle } from "./nats";
import { ensureJaeger } from "./jaeger";
import { adminKeyFileOf, checkGivenSecrets, envWithout, gatewayOnlyVariables, prepareMeshSecrets, type MeshSecrets } from "./secrets";
import { createMeshOutput, type MeshOutput } from "./output";
import { readMeshSettings, repoRoot, type MeshSettings } from "./settings";
import { isProcessAlive, meshStateFile, readMeshState, removeMeshState, writeMeshState } from "./state";
import { SupervisedWorker } from "./supervisor";
import { holdFileOf } from "./hold";
import { startBackupSchedule } from "./backup-schedule";
import { readBackupSettings, type BackupSettings } from "./backup-settings";
import { ConfigError } from "../core/config";
import { telemetryProcessEnv, telemetrySpecOf, telemetryWorkerEnv, traceStoreIsOn } from "./telemetry/launch";

export const summary =
  "start every worker (and nats-server if needed); Ctrl-C stops them all ([--workers a,b] [--nats-cluster NAME --nats-routes nats-route://host:6222,... [--nats-cluster-port 6222] [--nats-listen HOST[:PORT]] [--nats-server-name NAME]])";

/** The first stop request (a signal or a launcher failure); listened for from the very start. */
interface StopRequest {
  reason: string;
  code: number;
}

function listenForStop(): { requested: Promise<StopRequest>; current(): StopRequest | undefined; onRepeat(say: (reason: string) => void): void } {
  let first: StopRequest | undefined;
  let repeat: (reason: string) => void = () => {};
  let resolveFirst: (request: StopRequest) => void = () => {};
  const requested = new Promise<StopRequest>((resolve) => (resolveFirst = resolve));
  const request = (reason: string, code: number) => {
    if (first) return repeat(reason);
    first = { reason, code };
    resolveFirst(first);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => request(signal, 0));
  process.on("uncaughtException", (error) => {
    process.stderr.write(`mesh: launcher failed: ${error.stack ?? error.message}\n`);
    request("launcher error", 1);
  });
  return { requested, current: () => first, onRepeat: (say) => (repeat = say) };
}

/** Every variable the launcher reads, checked before anything starts: all the bad ones named in one ConfigError (exit 1). */
function readLauncherConfig(env: Record<string, string | undefined>): { settings: MeshSettings; backups: BackupSettings } {
  const problems: string[] = [];
  const checked = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const settings = checked(() => readMeshSettings(env));
  const backups = checked(() => readBackupSettings(env));
  checked(() => checkGivenSecrets(env));
  if (problems.length > 0 || !settings || !backups) throw new ConfigError(problems);
  return { settings, backups };
}

export async function run(args: string[]): Promise<number> {
  const options = parseUpArgs(args);
  // Listening before anything starts, so a Ctrl-C during start-up still stops what was started.
  const stop = listenForStop();
  const { settings, backups } = readLauncherConfig(process.env);
  mkdirSync(settings.dataDir, { recursive: true });

  const previous = readMeshState(settings.dataDir);
  if (previous && previous.launcherPid !== process.pid && isProcessAlive(previous.launcherPid)) {
    process.stderr.write(`a mesh is already running on ${settings.dataDir} (launcher pid ${previous.launcherPid}); stop it first or set another DATA_DIR\n`);
    return 1;
  }

  const allSpecs = await discoverWorkers(repoRoot, settings);
  if (allSpecs.length === 0) {
    process.stderr.write(`no workers found: expected folders workers/<name>/ with main.ts and config.ts under ${repoRoot}\n`);
    return 1;
  }
  // The workers this host runs (`--workers`); a nats-server started here has users for all of them.
  const specs = selectWorkers(allSpecs, options.workers);
  // The mesh's own trace store and metric series, supervised like a worker; decided before a Jaeger started here sets an endpoint.
  const telemetry = { spec: telemetrySpecOf(settings, specs), storeOn: traceStoreIsOn(settings.traceStore, process.env) };
  // Each worker's own variables as it will get them (the secrets the launcher adds are its own, sound by construction).
  checkWorkerConfigs([...specs, telemetry.spec], (spec) =>
    spec === telemetry.spec
      ? telemetryEnvOf(telemetry.spec, settings, specs)
      : {
          ...launchEnvOf(spec, settings, settings.natsUrl),
          ...telemetryWorkerEnv(telemetry.spec, spec, telemetry.storeOn),
          ...(spec.isGateway ? pick(process.env, gatewayOnlyVariables) : {}),
        },
  );
  // Pretty log lines for a person at a terminal; JSON lines for files, CI and log shippers.
  const prettyLogs = Boolean(process.stdout.isTTY) && settings.logFormat !== "json";
  const output = createMeshOutput(["mesh", "nats", "telemetry", ...specs.map((spec) => spec.name)], { prettyLogs });
  output.say("mesh", `starting ${specs.map((spec) => spec.name).join(", ")} (data in ${settings.dataDir})`);

  // Keys before anything starts: workers only ever get the paths of the files holding them.
  const secrets = prepareMeshSecrets(settings.dataDir, process.env);
  for (const note of secrets.notes) output.say("mesh", note);
  const nats = await ensureNats(settings, output, allSpecs, options.natsCluster);
  const jaeger = await ensureJaeger(settings.dataDir, process.env, output);
  // Workers inherit the launcher's env: point their OTLP exporters at the Jaeger started here.
  if (jaeger.otlpEndpoint) process.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = jaeger.otlpEndpoint;
  // …and the gateway's /mesh dashboard at its UI, unless told another.
  if (jaeger.uiUrl && !process.env["JAEGER_UI_URL"]) process.env["JAEGER_UI_URL"] = jaeger.uiUrl;
  const early = stop.current();
  if (early) {
    await jaeger.stop();
    await nats.stop();
    return early.code;
  }
  const code = await superviseMesh(specs, { settings, backups, telemetry }, nats, output, stop, secrets);
  await jaeger.stop();
  return code;
}

interface LaunchPlan {
  settings: MeshSettings;
  backups: BackupSettings;
  telemetry: { spec: WorkerSpec; storeOn: boolean };
}

async function superviseMesh(
  specs: WorkerSpec[],
  { settings, backups, telemetry }: LaunchPlan,
  nats: NatsHandle,
  output: MeshOutput,
  stop: ReturnType<typeof listenForStop>,
  secrets: MeshSecrets,
): Promise<number> {
  const startedAt = new Date().toISOString();
  const everReady = new Set<string>();
  let announced = false;

  const saveState = () =>
    writeMeshState({
      launcherPid: process.pid,
      startedAt,
      dataDir: settings.dataDir,
      nats: { url: nats.url, mode: nats.mode, pid: nats.pid },
      workers: workers.map((worker) => ({ name: worker.spec.name, pid: worker.pid, url: worker.spec.url, port: worker.spec.port })),
      telemetry: { name: "telemetry", pid: telemetryProcess.pid, url: telemetry.spec.url, port: telemetry.spec.port, traceStore: telemetry.storeOn },
    });

  // Started first, so the workers' first spans have somewhere to go (their exporters retry meanwhile anyway).
  const telemetryProcess = new SupervisedWorker(telemetry.spec, {
    env: { ...telemetryEnvOf(telemetry.spec, settings, specs), ...secrets.workerEnv },
    output,
    onStart: () => saveState(),
    onReady: (_worker, restarts) => restarts > 0 && output.say("mesh", `telemetry ready again (pid ${telemetryProcess.pid}, restart ${restarts})`),
  });

  const workers: SupervisedWorker[] = specs.map(
    (spec) =>
      new SupervisedWorker(spec, {
        env: { ...launchEnvOf(spec, settings, nats.url), ...telemetryWorkerEnv(telemetry.spec, spec, telemetry.storeOn), ...securityEnv(spec, secrets, nats) },
        output,
        holdFile: holdFileOf(settings.dataDir, spec.name),
        onStart: saveState,
        onReady(worker, restarts) {
          everReady.add(worker.spec.name);
          if (announced) output.say("mesh", `${worker.spec.name} ready again (pid ${worker.pid}, restart ${restarts})`);
          else if (everReady.size === workers.length) {
            announced = true;
            announceReady(workers, nats, settings, output, telemetry.storeOn);
          }
        },
      }),
  );
  telemetryProcess.start();
  for (const worker of workers) worker.start();
  const stopBackups = startBackupSchedule(settings.dataDir, backups, output);

  const waiting = setInterval(() => {
    if (announced) return clearInterval(waiting);
    const late = workers.filter((worker) => !everReady.has(worker.spec.name)).map((worker) => worker.spec.name);
    output.say("mesh", `still waiting for ${late.join(", ")} to be ready`);
  }, 15_000);

  stop.onRepeat((reason) => output.say("mesh", `${reason} again; already stopping`));
  const { reason, code } = await stop.requested;
  clearInterval(waiting);
  stopBackups();
  output.say("mesh", `${reason}: stopping ${workers.length} workers`);
  await Promise.all(workers.map((worker) => worker.stop(settings.stopTimeoutMs)));
  // After the workers: their last spans, flushed as they stop, still find the store.
  await telemetryProcess.stop(settings.stopTimeoutMs);
  if (nats.mode === "launched") output.say("nats", "stopping the nats-server started by the launcher");
  await nats.stop();
  removeMeshState(settings.dataDir);
  output.say("mesh", "stopped");
  return code;
}

function announceReady(workers: SupervisedWorker[], nats: NatsHandle, settings: MeshSettings, output: MeshOutput, traceStoreOn: boolean): void {
  const gateway = workers.find((worker) => worker.spec.isGateway);
  const width = Math.max(...workers.map((worker) => worker.spec.name.length));
  const rows = workers.map((worker) => `  ${worker.spec.name.padEnd(width)}  ${worker.spec.url.padEnd(24)}  pid ${worker.pid}`);
  const headline = gateway ? `mesh ready: gateway ${gateway.spec.url}` : `mesh ready (no gateway worker yet)`;
  const broker = { external: `NATS ${nats.url}`, launched: `NATS ${nats.url} (nats-server started by the launcher)`, absent: "NO NATS: events wait in the outboxes" }[nats.mode];
  const pages = gateway ? pagesOf(gateway.spec.url, settings, traceStoreOn) : [];
  output.say("mesh", [headline, ...rows, `  ${broker}`, ...pages, `  state in ${meshStateFile(settings.dataDir)}; Ctrl-C stops the mesh`].join("\n"));
}

/** The gateway's pages: the API's and the dashboard's, which needs the admin key (the operator's, or the generated file). */
function pagesOf(url: string, settings: MeshSettings, traceStoreOn: boolean): string[] {
  return [
    `  API docs   ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
    `  dashboard  ${url}/mesh?key=<admin API key>   (ADMIN_API_KEY, or the key in ${adminKeyFileOf(settings.dataDir)}; opens a cookie session)`,
    traceStoreOn
      ? `  traces     ${url}/mesh/traces   (the mesh's own trace store; npm run mesh -- trace <correlation or order id>)`
      : `  traces     sent to OTEL_EXPORTER_OTLP_ENDPOINT only (TRACE_STORE=on keeps them here as well)`,
  ];
}

/** The telemetry process's environment: the user's (without the gateway's admin key), its place and the workers it scrapes. */
function telemetryEnvOf(spec: WorkerSpec, settings: MeshSettings, workers: WorkerSpec[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(envWithout(process.env, gatewayOnlyVariables))) if (value !== undefined) env[key] = value;
  return { ...env, ...telemetryProcessEnv(spec, settings, workers) };
}

/** A worker's environment before its secrets: the user's (without the gateway's admin key), DATA_DIR, ports, NATS. */
function launchEnvOf(spec: WorkerSpec, settings: MeshSettings, natsUrl: string): Record<string, string> {
  return workerEnv(spec, settings, natsUrl, envWithout(process.env, gatewayOnlyVariables));
}

const pick = (env: Record<string, string | undefined>, names: readonly string[]) => Object.fromEntries(names.filter((name) => env[name]).map((name) => [name, env[name]]));

/** A worker's secrets: the mesh secret, the admin key (the gateway's alone), its own NATS user. */
function securityEnv(spec: WorkerSpec, secrets: MeshSecrets, nats: NatsHandle): Record<string, string> {
  const env = { ...secrets.workerEnv, ...(spec.isGateway ? secrets.gatewayEnv : {}) };
  const credentials = nats.credentials?.get(spec.name);
  if (credentials) Object.assign(env, { NATS_USER: credentials.user, NATS_PASSWORD_FILE: credentials.passwordFile });
  return env;
}
