/**
 * `npm run mesh -- check [--json] [--wait SECONDS] [--settle SECONDS] [--url name=URL ...]`: asks each owning worker
 * (placed by --url, <NAME>_URL, the local mesh.json, else where it registered on NATS, any host)
 * for what it owns (its admin `audit` query; reporting's `sales` and `snapshot`) and checks the
 * mesh's consistency rules across them (invariants.ts). Meant for a quiet mesh: orders in flight
 * show as pending, and `--wait` re-checks until the mesh agrees or the time is up. A confirmed
 * order younger than `--settle` (default 30 s) may still wait for its commit and capture, which
 * inventory and payments take on orders.order.confirmed; `--settle 0 --wait N` insists they are done.
 * Exit 0 when every rule holds, 1 with each violation named otherwise.
 */
import { peerUrlVariable } from "../core/config";
import { defaultSettleMs, findViolations, type CheckResult, type CheckSettings, type MeshAudit, type Violation } from "./invariants";
import { readMeshSettings } from "./settings";
import { readMeshState } from "./state";
import { operatorLoginOf, workersOnTheBus } from "./status-discovery";
import { operatorHeaders, operatorIdentity } from "./secrets";
import type { ServiceIdentity } from "../rpc/identity";

export const summary = "check the invariants across workers ([--json] [--wait SECONDS] [--settle SECONDS] [--url name=URL])";

const owners = ["inventory", "payments", "orders"] as const;

export class WorkerUnreachable extends Error {
  constructor(
    readonly worker: string,
    message: string,
  ) {
    super(message);
  }
}

/** `--url name=URL` first, then `<NAME>_URL` in the environment, then the running mesh's mesh.json. */
export function resolveWorkerUrls(args: string[], env: Record<string, string | undefined>): Map<string, string> {
  const urls = new Map<string, string>();
  const state = (() => {
    try {
      return readMeshState(readMeshSettings(env).dataDir);
    } catch {
      return undefined;
    }
  })();
  for (const worker of state?.workers ?? []) urls.set(worker.name, worker.url);
  for (const name of [...owners, "reporting"]) {
    const fromEnv = env[peerUrlVariable(name)];
    if (fromEnv) urls.set(name, fromEnv);
  }
  args.forEach((arg, index) => {
    if (arg !== "--url") return;
    const [name, ...rest] = (args[index + 1] ?? "").split("=");
    if (name && rest.length > 0) urls.set(name, rest.join("="));
  });
  return urls;
}

/**
 * The owners that `--url`, `<NAME>_URL` and the local mesh.json do not place, where the bus says
 * they registered (they may run on other hosts): the bus of mesh.json, or NATS_URL when set.
 */
export async function withWorkersOnTheBus(urls: Map<string, string>, env: Record<string, string | undefined>): Promise<Map<string, string>> {
  const missing = [...owners, "reporting"].filter((name) => !urls.has(name));
  if (missing.length === 0) return urls;
  const dataDir = readMeshSettings(env).dataDir;
  const natsUrl = readMeshState(dataDir)?.nats.url ?? env["NATS_URL"];
  if (!natsUrl) return urls;
  const found = (await workersOnTheBus({ natsUrl, ...operatorLoginOf(dataDir) })) ?? [];
  for (const name of missing) {
    const url = found.find((worker) => worker.name === name && worker.url)?.url;
    if (url) urls.set(name, url);
  }
  return urls;
}

/** The CLI's service identity (mesh-cli), read once per process from the env or DATA_DIR. */
let cliIdentity: ServiceIdentity | null | undefined;
function identityOfCli(): ServiceIdentity | null {
  if (cliIdentity === undefined) {
    let dataDir: string | undefined;
    try {
      dataDir = readMeshSettings(process.env).dataDir;
    } catch {
      dataDir = undefined;
    }
    cliIdentity = dataDir ? operatorIdentity(dataDir, process.env) : null;
  }
  return cliIdentity;
}

async function query<T>(worker: string, url: string | undefined, path: string): Promise<T> {
  if (!url) throw new WorkerUnreachable(worker, `no URL for ${worker}: is the mesh up? (or pass --url ${worker}=URL)`);
  const response = await fetch(`${url}/trpc/${path}`, {
    headers: await operatorHeaders(identityOfCli(), worker),
    signal: AbortSignal.timeout(30_000),
  }).catch((error: unknown) => {
    throw new WorkerUnreachable(worker, `${worker} at ${url} did not answer ${path}: ${String(error)}`);
  });
  const body = (await response.json().catch(() => ({}))) as { result?: { data?: T }; error?: { message?: string } };
  if (!response.ok || body.result === undefined) {
    throw new WorkerUnreachable(worker, `${worker} at ${url} failed ${path}: ${body.error?.message ?? `HTTP ${response.status}`}`);
  }
  return body.result.data as T;
}

/** Reads every owner's report; reporting only when it is part of the mesh. */
export async function auditMesh(urls: Map<string, string>): Promise<MeshAudit> {
  const [inventory, payments, orders] = await Promise.all([
    query<MeshAudit["inventory"]>("inventory", urls.get("inventory"), "audit"),
    query<MeshAudit["payments"]>("payments", urls.get("payments"), "audit"),
    query<MeshAudit["orders"]>("orders", urls.get("orders"), "audit"),
  ]);
  const reportingUrl = urls.get("reporting");
  if (!reportingUrl) return { inventory, payments, orders };
  const [sales, snapshot] = await Promise.all([
    query<{ totals: NonNullable<MeshAudit["reporting"]>["totals"] }>("reporting", reportingUrl, "sales"),
    query<{ sales: NonNullable<MeshAudit["reporting"]>["products"]; customers: NonNullable<MeshAudit["reporting"]>["customers"] }>("reporting", reportingUrl, "snapshot"),
  ]);
  return { inventory, payments, orders, reporting: { totals: sales.totals, products: snapshot.sales, customers: snapshot.customers } };
}

/** One check; a worker that does not answer is itself a violation (the mesh cannot be vouched for). */
export async function checkMesh(urls: Map<string, string>, settings: CheckSettings = { settleMs: defaultSettleMs }): Promise<CheckResult> {
  try {
    return findViolations(await auditMesh(urls), settings);
  } catch (error) {
    if (!(error instanceof WorkerUnreachable)) throw error;
    const violation: Violation = { rule: "worker.unreachable", worker: error.worker, expected: "an answer", found: error.message, message: error.message };
    return { ok: false, checked: {}, skipped: [], violations: [violation] };
  }
}

function describe(violation: Violation): string {
  const subject = violation.orderId
    ? `order ${violation.orderId}`
    : violation.productId
      ? `product ${violation.productId}`
      : violation.customerId
        ? `customer ${violation.customerId}`
        : "mesh";
  return `  ✗ ${violation.rule}  ${subject}  [${violation.worker}]  expected ${violation.expected}, found ${violation.found}\n      ${violation.message}`;
}

/** `flag SECONDS` in ms, `fallbackMs` when absent, undefined when not a number ≥ 0. */
function secondsOf(args: string[], flag: string, fallbackMs: number): number | undefined {
  const index = args.indexOf(flag);
  const ms = index >= 0 ? Number(args[index + 1] ?? "") * 1000 : fallbackMs;
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const waitMs = secondsOf(args, "--wait", 0);
  const settleMs = secondsOf(args, "--settle", defaultSettleMs);
  if (waitMs === undefined || settleMs === undefined) {
    process.stderr.write("check: --wait and --settle take a number of seconds\n");
    return 2;
  }
  const urls = await withWorkersOnTheBus(resolveWorkerUrls(args, process.env), process.env);
  const deadline = Date.now() + waitMs;
  let result = await checkMesh(urls, { settleMs });
  while (!result.ok && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    result = await checkMesh(urls, { settleMs });
  }

  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const counts = Object.entries(result.checked)
      .map(([key, value]) => `${key}=${value}`)
      .join(" ");
    process.stdout.write(result.ok ? `check: ok (${counts})\n` : `check: ${result.violations.length} violation(s) (${counts})\n`);
    for (const violation of result.violations) process.stdout.write(`${describe(violation)}\n`);
    for (const skipped of result.skipped) process.stdout.write(`  skipped: ${skipped}\n`);
  }
  return result.ok ? 0 : 1;
}
