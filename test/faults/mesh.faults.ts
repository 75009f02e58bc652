/**
 * The fault suite: orders placed through the gateway while a driver SIGKILLs random workers and
 * the nats-server, SIGSTOPs one past its peers' timeouts, and restarts them. Clients retry with
 * the same Idempotency-Key, as a real client would. Once the faults stop, every order must end
 * CONFIRMED or REJECTED and `npm run mesh -- check` must pass. Writes test/faults/RESULTS.md.
 */
import { afterAll, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { adminHeaders, bunBin, repoRoot, runToEnd, startNats, stopAll, testIdentity, waitFor, type RunningNats } from "../support/processes";
import { allWorkers, startMesh, type TestMesh, type WorkerName } from "../support/mesh";

const minOrders = Number(process.env["FAULT_ORDERS"] ?? 500);
const minKills = Number(process.env["FAULT_KILLS"] ?? 30);
const peerTimeoutMs = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

let nats: RunningNats;
let mesh: TestMesh;
afterAll(stopAll);

async function gateway(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${mesh.url("gateway")}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as any };
}

/** Retries through outages until the mesh answers (same Idempotency-Key for orders). */
async function untilAnswered(call: () => Promise<{ status: number; body: any }>, what: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const result = await call().catch(() => ({ status: 0, body: {} }));
    if (result.status > 0 && result.status < 500) return result;
    if (Date.now() > deadline) throw new Error(`${what}: no answer in 2 minutes (last ${result.status} ${JSON.stringify(result.body)})`);
    await sleep(200);
  }
}

it(`keeps every invariant through ${minKills}+ kills over ${minOrders}+ orders`, async () => {
  const started = Date.now();
  nats = await startNats();
  mesh = await startMesh({ natsUrl: nats.url, env: { PEER_TIMEOUT_MS: String(peerTimeoutMs), SAGA_DEADLINE_MS: "10000", LOG_LEVEL: "error" } });

  const customers: string[] = [];
  for (let i = 0; i < 5; i++) {
    const user = await untilAnswered(() => gateway("POST", "/api/users", { email: `fault-${i}@example.com`, name: `Fault ${i}` }), "register");
    customers.push(user.body.id);
    // Small limits for some customers: declines are part of the load.
    await untilAnswered(() => gateway("PUT", `/api/customers/${user.body.id}/credit`, { limitCents: i < 2 ? 20_000 : 10_000_000 }), "credit");
  }
  const products: string[] = [];
  for (let i = 0; i < 6; i++) {
    const product = await untilAnswered(() => gateway("POST", "/api/products", { sku: `FAULT-${i}`, name: `Fault item ${i}`, priceCents: 100 + i * 37 }), "product");
    products.push(product.body.id);
    // Little stock for some products: out-of-stock rejections are part of the load.
    await untilAnswered(() => gateway("PUT", `/api/inventory/${product.body.id}`, { onHand: i < 2 ? 150 : 100_000 }), "stock");
  }

  const acknowledged = new Set<string>();
  const answers = { created: 0, accepted: 0, refused: 0, retries: 0 };
  const refusals = new Map<string, number>();
  const kills: Record<string, number> = Object.fromEntries([...allWorkers, "nats"].map((target) => [target, 0]));
  const pauses: Record<string, number> = {};
  let faulting = true;

  const placeOrders = async () => {
    while (acknowledged.size + answers.refused < minOrders || faulting) {
      const key = randomUUID();
      const items = [...new Set([pick(products), pick(products)])].map((productId) => ({ productId, quantity: 1 + Math.floor(Math.random() * 3) }));
      const customerId = pick(customers); // one request, retried as is: same key, same body
      const result = await untilAnswered(async () => {
        const answer = await gateway("POST", "/api/orders", { customerId, items }, { "idempotency-key": key });
        if (answer.status >= 500) answers.retries += 1;
        return answer;
      }, `order ${key}`);
      if (result.status === 201 || result.status === 202) {
        acknowledged.add(result.body.id);
        answers[result.status === 201 ? "created" : "accepted"] += 1;
      } else {
        answers.refused += 1;
        const why = `${result.status} ${result.body?.error?.code ?? ""} ${String(result.body?.error?.message ?? "").replace(/[0-9a-f-]{36}/g, "<id>")}`;
        refusals.set(why, (refusals.get(why) ?? 0) + 1);
      }
    }
  };

  const injectFaults = async () => {
    let faults = 0;
    while (Object.values(kills).reduce((a, b) => a + b, 0) < minKills || acknowledged.size < minOrders) {
      await sleep(500 + Math.random() * 1_000);
      faults += 1;
      if (faults % 8 === 0) {
        // Paused past its peers' timeouts: calls to it time out instead of failing fast.
        const target = pick(["inventory", "payments", "catalog"] as const);
        const pid = mesh.workers[target]!.pid;
        process.kill(pid, "SIGSTOP");
        await sleep(peerTimeoutMs * 1.5);
        process.kill(pid, "SIGCONT");
        pauses[target] = (pauses[target] ?? 0) + 1;
        continue;
      }
      const target = pick([...allWorkers, "nats"] as const);
      kills[target]! += 1;
      if (target === "nats") {
        await nats.kill("SIGKILL");
        await sleep(300 + Math.random() * 700);
        nats = await startNats({ port: nats.port, storeDir: nats.storeDir });
      } else {
        await mesh.stop(target as WorkerName, "SIGKILL");
        await sleep(200 + Math.random() * 800);
        await mesh.start(target as WorkerName);
      }
    }
    faulting = false;
  };

  await Promise.all([injectFaults(), ...Array.from({ length: 4 }, placeOrders)]);
  const loadSeconds = Math.round((Date.now() - started) / 1000);

  // Quiet: every saga must end (compensated past its deadline if it was cut off).
  const audit = await waitFor(
    "every order CONFIRMED or REJECTED",
    async () => {
      const response = await fetch(`${mesh.url("orders")}/trpc/audit`, { headers: await testIdentity("operator").headersFor("orders")() });
      const orders = ((await response.json()) as any).result.data;
      return orders.orders.every((order: { status: string }) => order.status !== "PENDING") ? orders : undefined;
    },
    180_000,
  ).catch(() => undefined);

  const urls = (["inventory", "payments", "orders", "reporting"] as const).flatMap((name) => ["--url", `${name}=${mesh.url(name)}`]);
  const checked = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "check", "--json", "--wait", "120", ...urls], { DATA_DIR: mesh.dataDir });
  const report = JSON.parse(checked.output.slice(checked.output.indexOf("{"))) as { ok: boolean; checked: Record<string, number>; violations: { rule: string; found: unknown }[] };

  const known = new Set<string>((audit?.orders ?? []).map((order: { id: string }) => order.id));
  const counted = new Set<string>();
  const count = (rules: string[], filter: (violation: { rule: string; found: unknown }) => boolean = () => true) => {
    for (const rule of rules) counted.add(rule);
    return report.violations.filter((violation) => rules.includes(violation.rule) && filter(violation)).length;
  };
  const capturedMoreThanOnce = (violation: { found: unknown }) => /^[2-9]\d* captured/.test(String(violation.found));
  const zeroes: Record<string, number> = {
    "lost orders (acknowledged, unknown to orders)": [...acknowledged].filter((id) => !known.has(id)).length,
    "orders not CONFIRMED or REJECTED": audit ? audit.orders.filter((order: { status: string }) => order.status === "PENDING").length : -1,
    "oversold or negative stock": count(["stock.oversold", "stock.negative"]),
    "reserved counts not matching reservations": count(["stock.reserved_mismatch"]),
    "double captures": count(["order.capture_count"], capturedMoreThanOnce),
    "confirmed orders without capture or committed stock": count(["order.capture_count", "order.capture_amount", "order.stock_not_committed", "order.committed_lines"], (v) => !capturedMoreThanOnce(v)),
    "rejected orders holding stock or credit": count(["order.rejected_holds_authorization", "order.rejected_captured", "order.rejected_stock_committed"]),
    "orphan reservations or payments": count(["reservation.orphan", "reservation.left_by_finished_order", "payment.orphan"]),
    "unfinished sagas": count(["saga.past_deadline"]) + (audit?.unfinishedSagas.length ?? 0),
    "reporting mismatches": count(["reporting.totals", "reporting.product", "reporting.customer"]),
  };
  zeroes["other violations"] = report.violations.filter((violation) => !counted.has(violation.rule)).length;

  const totalKills = Object.values(kills).reduce((a, b) => a + b, 0);
  const results = [
    "# Fault suite results",
    "",
    `Written by \`npm run test:faults\` (test/faults/mesh.faults.ts). Date: ${new Date().toISOString()}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform}, Node ${process.version}.`,
    `Took ${Math.round((Date.now() - started) / 1000)} s (${loadSeconds} s of load and faults).`,
    "",
    `Orders placed through the gateway: ${acknowledged.size} acknowledged (${answers.created} answered 201, ${answers.accepted} answered 202 still pending), ${answers.refused} refused with a 4xx, ${answers.retries} retried after a 5xx or no answer.`,
    `4xx answers: ${[...refusals].map(([why, n]) => `${n} × ${why}`).join("; ") || "none"}.`,
    `Final: ${report.checked["confirmed"] ?? "?"} CONFIRMED, ${report.checked["rejected"] ?? "?"} REJECTED, ${report.checked["pending"] ?? "?"} PENDING.`,
    "",
    `Kills (SIGKILL, then restart): ${totalKills}`,
    "",
    "| target | kills |",
    "|---|---|",
    ...Object.entries(kills).map(([target, n]) => `| ${target} | ${n} |`),
    "",
    `Pauses (SIGSTOP for ${peerTimeoutMs * 1.5} ms, past the ${peerTimeoutMs} ms peer timeout): ${Object.entries(pauses).map(([t, n]) => `${t} ${n}`).join(", ") || "none"}`,
    "",
    "| must be zero | count |",
    "|---|---|",
    ...Object.entries(zeroes).map(([name, n]) => `| ${name} | ${n} |`),
    "",
    `\`npm run mesh -- check\`: ${report.ok ? "ok" : `${report.violations.length} violation(s)`} (exit ${checked.code}).`,
    "",
  ].join("\n");
  writeFileSync(join(repoRoot, "test", "faults", "RESULTS.md"), results);

  expect(totalKills).toBeGreaterThanOrEqual(minKills);
  expect(acknowledged.size).toBeGreaterThanOrEqual(minOrders);
  expect(zeroes).toEqual(Object.fromEntries(Object.keys(zeroes).map((name) => [name, 0])));
  expect(checked.code, checked.output).toBe(0);
});
