/**
 * `npm run mesh -- restore inventory` against a mesh run by the real launcher: the worker is held
 * down, its file swapped for an older backup, and it comes back serving; `check` then names the
 * confirmed orders whose committed stock the old file does not have, and passes again once the
 * operator re-applies that stock through inventory's API. The replaced file is kept, whole.
 * The launcher's scheduled backup of payments shows in `mesh status`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { bunBin, freePort, freePortBase, repoRoot, runToEnd, startNats, stopAll, tempDir, trpcMutation, waitFor } from "./support/processes";

let launcher: ReturnType<typeof spawn> | undefined;
afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    const exited = new Promise((resolve) => launcher!.once("exit", resolve));
    launcher.kill("SIGTERM");
    await exited;
  }
  await stopAll();
});

const data = (result: { status: number; body: any }) => {
  if (result.status !== 200) throw new Error(`call failed (${result.status}): ${JSON.stringify(result.body)}`);
  return result.body.result.data;
};

/** A small SQLite file holding one row `label` (what a restore would bring back). */
function sqliteFile(file: string, label: string): void {
  const db = new Database(file);
  db.exec("create table marker (label text)");
  db.prepare("insert into marker values (?)").run(label);
  db.close();
}
const labelIn = (file: string) => (new Database(file, { readonly: true }).prepare("select label from marker").get() as { label: string }).label;

describe("mesh restore of an unvouched backup (no mesh running)", () => {
  it("refuses a backup without a manifest, or with an unverified one, unless --force, and by default takes the newest verified one", async () => {
    const dataDir = tempDir("restore-manifest");
    const dir = join(dataDir, "backups", "inventory");
    mkdirSync(dir, { recursive: true });
    const live = join(dataDir, "inventory.db");
    sqliteFile(live, "live");
    const good = join(dir, "2026-01-01T00-00-00-000Z.db");
    sqliteFile(good, "verified");
    const sha256 = createHash("sha256").update(readFileSync(good)).digest("hex");
    writeFileSync(good.replace(/\.db$/, ".json"), JSON.stringify({ worker: "inventory", file: good, sha256, verified: true, problems: [] }));
    const failed = join(dir, "2026-01-02T00-00-00-000Z.db");
    sqliteFile(failed, "unverified");
    writeFileSync(
      failed.replace(/\.db$/, ".json"),
      JSON.stringify({ worker: "inventory", file: failed, sha256: "x", verified: false, problems: ["migrations differ from the live file"] }),
    );
    const stray = join(dir, "2026-01-03T00-00-00-000Z.db");
    sqliteFile(stray, "no manifest");
    const cli = (args: string[]) => runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "restore", "inventory", ...args], { DATA_DIR: dataDir });

    const noManifest = await cli(["--from", stray]);
    expect(noManifest.code).toBe(1);
    expect(noManifest.output).toContain(`restore: refusing ${stray}: it has no manifest`);
    expect(noManifest.output).toContain("nothing was changed (--force restores it anyway)");
    const unverified = await cli(["--from", failed]);
    expect(unverified.code).toBe(1);
    expect(unverified.output).toContain("its manifest says it was not verified (migrations differ from the live file)");
    expect(labelIn(live)).toBe("live");

    // No --from: the newest verified backup, not the newer unvouched ones.
    const byDefault = await cli([]);
    expect(byDefault.code, byDefault.output).toBe(0);
    expect(byDefault.output).toContain(`inventory restored from ${good}`);
    expect(labelIn(live)).toBe("verified");

    const forced = await cli(["--from", stray, "--force"]);
    expect(forced.code, forced.output).toBe(0);
    expect(labelIn(live)).toBe("no manifest");
  });
});

describe("mesh restore", () => {
  it("swaps an older inventory backup in, check names what disagrees, and passes after repair through the API", async () => {
    const nats = await startNats();
    const dataDir = tempDir("restore");
    let output = "";
    launcher = spawn(bunBin, ["run", "shared/mesh/cli.ts", "up"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        LOG_LEVEL: "warn",
        DATA_DIR: dataDir,
        NATS_URL: nats.url,
        MESH_PORT_BASE: String(await freePortBase()),
        GATEWAY_PORT: String(await freePort()),
        PEER_TIMEOUT_MS: "10000",
        BACKUP_INTERVAL_PAYMENTS: "1s",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    launcher.stdout!.on("data", (chunk) => (output += chunk));
    launcher.stderr!.on("data", (chunk) => (output += chunk));
    await waitFor("mesh ready", async () => (output.includes("mesh ready") ? true : undefined), 60_000);
    const cli = (args: string[]) => runToEnd(bunBin, ["run", "shared/mesh/cli.ts", ...args], { DATA_DIR: dataDir });
    const { workers } = JSON.parse((await cli(["status", "--json"])).output.replace(/^[^{]*/, "")) as { workers: { name: string; url: string; pid: number }[] };
    const url = (name: string) => workers.find((worker) => worker.name === name)!.url;

    // The launcher's schedule (BACKUP_INTERVAL_PAYMENTS) backs payments up; status shows the outcome.
    expect(output).toContain("backups scheduled: payments every 1s");
    const scheduled = await waitFor("a scheduled payments backup in status", async () => {
      const status = JSON.parse((await cli(["status", "--json"])).output.replace(/^[^{]*/, "")) as { workers: { name: string; details: any }[] };
      const backup = status.workers.find((worker) => worker.name === "payments")!.details.backup;
      return backup?.status === "none" ? undefined : backup;
    });
    expect(scheduled).toMatchObject({ status: "ok", error: null, file: expect.stringContaining(join(dataDir, "backups", "payments")) });
    // ...and so does the worker's own /health/ready.
    const paymentsReady = (await (await fetch(`${url("payments")}/health/ready`)).json()) as { ready: boolean; backup: any };
    expect(paymentsReady).toMatchObject({ ready: true, backup: { status: "ok", error: null, file: expect.stringContaining(join(dataDir, "backups", "payments")) } });

    const customer = data(await trpcMutation(url("users"), "register", { email: "restore@example.com", name: "Restorer" }));
    const product = data(await trpcMutation(url("catalog"), "create", { sku: "RST-1", name: "Restored item", priceCents: 300 }));
    data(await trpcMutation(url("inventory"), "setStock", { productId: product.id, onHand: 10 }));
    data(await trpcMutation(url("payments"), "setCreditLimit", { customerId: customer.id, limitCents: 100_000 }));
    expect((await cli(["backup", "inventory"])).code).toBe(0);

    const orders = [];
    for (let i = 0; i < 2; i++) {
      const order = data(await trpcMutation(url("orders"), "place", { customerId: customer.id, items: [{ productId: product.id, quantity: 2 }] })).order;
      expect(order.status).toBe("CONFIRMED");
      orders.push(order);
    }
    expect((await cli(["check", "--wait", "20", "--settle", "0"])).code).toBe(0);
    // rebuild works on a worker with read models and says plainly when a worker has none.
    const rebuilt = await cli(["rebuild", "reporting"]);
    expect(rebuilt.code, rebuilt.output).toBe(0);
    expect(rebuilt.output).toMatch(/reporting rebuilt: \d+ events replayed/);
    const refused = await cli(["rebuild", "catalog"]);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain("catalog has no read models to rebuild");

    const inventoryPid = workers.find((worker) => worker.name === "inventory")!.pid;
    const restored = await cli(["restore", "inventory", "--json"]);
    expect(restored.code, restored.output).toBe(0);
    const report = JSON.parse(restored.output.slice(restored.output.indexOf("{\n")));
    expect(output).toContain("inventory stopped and held by");
    expect(report.check.ok).toBe(false);
    for (const order of orders) {
      expect(report.check.violations).toContainEqual(expect.objectContaining({ rule: "order.commit_missing", orderId: order.id, worker: "inventory", found: "no reservation" }));
    }

    // The replaced file is kept whole: both orders' committed reservations are in it.
    const kept = new Database(report.restored.replacedKeptAt, { readonly: true });
    expect(kept.prepare("select status from reservations order by order_id").all()).toEqual([{ status: "COMMITTED" }, { status: "COMMITTED" }]);
    kept.close();
    expect(readdirSync(join(dataDir, "replaced", "inventory")).length).toBeGreaterThan(0);

    const after = JSON.parse((await cli(["status", "--json"])).output.replace(/^[^{]*/, "")) as { workers: { name: string; pid: number; ready: boolean }[] };
    const inventoryNow = after.workers.find((worker) => worker.name === "inventory")!;
    expect(inventoryNow.pid).not.toBe(inventoryPid);
    expect(inventoryNow.ready).toBe(true);

    // The operator re-applies the confirmed orders' stock through inventory's own API.
    for (const order of orders) {
      data(await trpcMutation(url("inventory"), "reserve", { orderId: order.id, lines: order.lines.map((line: any) => ({ productId: line.productId, quantity: line.quantity })) }));
      data(await trpcMutation(url("inventory"), "commit", { orderId: order.id }));
    }
    const again = await cli(["check", "--json"]);
    expect(again.code, again.output).toBe(0);
  }, 180_000);
});
