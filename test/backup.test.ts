/**
 * Backups of a real mesh while it serves: `npm run mesh -- backup` taken while orders are being
 * placed gives verified copies (integrity ok, same migrations as the live file) with manifests,
 * a copy in BACKUP_COPY_DIR and only the newest BACKUP_KEEP kept; a restored copy boots a worker
 * that serves; `--drill` reports every worker.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bunBin, runToEnd, startNats, startWorker, stopAll, tempDir, trpcMutation, trpcQuery, type RunningNats } from "./support/processes";
import { startMesh, type TestMesh } from "./support/mesh";

let nats: RunningNats;
let mesh: TestMesh;
const copyDir = tempDir("backup-copy");
const dbWorkers = ["catalog", "inventory", "orders", "payments", "reporting", "users"];

beforeAll(async () => {
  nats = await startNats();
  mesh = await startMesh({ natsUrl: nats.url, workers: ["users", "catalog", "inventory", "payments", "orders", "reporting"], env: { PEER_TIMEOUT_MS: "10000" } });
}, 120_000);
afterAll(stopAll);

const data = (result: { status: number; body: any }) => {
  if (result.status !== 200) throw new Error(`call failed (${result.status}): ${JSON.stringify(result.body)}`);
  return result.body.result.data;
};

function meshCli(args: string[], env: Record<string, string> = {}) {
  return runToEnd(bunBin, ["run", "shared/mesh/cli.ts", ...args], { DATA_DIR: mesh.dataDir, BACKUP_COPY_DIR: copyDir, BACKUP_KEEP: "2", ...env });
}
const jsonOf = (output: string) => JSON.parse(output.slice(output.indexOf("{")));

describe("mesh backup", () => {
  it("takes verified backups of every worker while orders are being placed", async () => {
    const customer = data(await trpcMutation(mesh.url("users"), "register", { email: "backup@example.com", name: "Backer" }));
    const product = data(await trpcMutation(mesh.url("catalog"), "create", { sku: "BAK-1", name: "Backed item", priceCents: 100 }));
    data(await trpcMutation(mesh.url("inventory"), "setStock", { productId: product.id, onHand: 1_000 }));
    data(await trpcMutation(mesh.url("payments"), "setCreditLimit", { customerId: customer.id, limitCents: 1_000_000 }));

    let placing = true;
    let placed = 0;
    const load = (async () => {
      while (placing) {
        const order = data(await trpcMutation(mesh.url("orders"), "place", { customerId: customer.id, items: [{ productId: product.id, quantity: 1 }] })).order;
        expect(order.status).toBe("CONFIRMED");
        placed += 1;
      }
    })();
    while (placed < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const result = await meshCli(["backup", "--json"]);
    placing = false;
    await load; // every order placed around the backup was still confirmed

    expect(result.code, result.output).toBe(0);
    const { backups } = jsonOf(result.output);
    expect(backups.map((b: { worker: string }) => b.worker)).toEqual(dbWorkers);
    for (const backup of backups) {
      expect(backup).toMatchObject({ verified: true, migration: expect.stringMatching(/^\d{4}_/) });
      expect(backup.bytes).toBeGreaterThan(0);
      expect(existsSync(backup.file)).toBe(true);
      const manifest = JSON.parse(readFileSync(backup.file.replace(/\.db$/, ".json"), "utf8"));
      expect(manifest).toMatchObject({ worker: backup.worker, integrity: "ok", sha256: backup.sha256 });
      expect(readdirSync(join(copyDir, backup.worker))).toContain(backup.file.split("/").at(-1));
    }
    const orders = backups.find((b: { worker: string }) => b.worker === "orders");
    const ordersManifest = JSON.parse(readFileSync(orders.file.replace(/\.db$/, ".json"), "utf8"));
    expect(ordersManifest.rowCounts.orders).toBeGreaterThanOrEqual(5);
  }, 90_000);

  it("restores a backup into a worker that starts and serves", async () => {
    const [newest] = readdirSync(join(mesh.dataDir, "backups", "inventory"))
      .filter((name) => name.endsWith(".db"))
      .sort()
      .reverse();
    const restoreDir = tempDir("restored");
    copyFileSync(join(mesh.dataDir, "backups", "inventory", newest!), join(restoreDir, "inventory.db"));
    const restored = await startWorker("inventory", { DATA_DIR: restoreDir, NATS_URL: "nats://127.0.0.1:1" });
    const audit = data(await trpcQuery(restored.url, "audit", undefined));
    expect(audit.stock).toEqual([expect.objectContaining({ onHand: expect.any(Number) })]);
    expect(audit.reservations.length).toBeGreaterThanOrEqual(5);
    await restored.kill();
  }, 60_000);

  it("keeps only the newest BACKUP_KEEP backups, here and in the copy", async () => {
    for (let i = 0; i < 2; i++) expect((await meshCli(["backup", "payments"])).code).toBe(0);
    const local = readdirSync(join(mesh.dataDir, "backups", "payments"));
    expect(local.filter((name) => name.endsWith(".db"))).toHaveLength(2);
    expect(local.filter((name) => name.endsWith(".json"))).toHaveLength(2);
    expect(readdirSync(join(copyDir, "payments")).filter((name) => name.endsWith(".db"))).toHaveLength(2);
  }, 60_000);

  it("never prunes the newest verified backups for newer unverified ones", async () => {
    const dir = join(mesh.dataDir, "backups", "payments");
    const verifiedBefore = readdirSync(dir)
      .filter((name) => name.endsWith(".db"))
      .sort();
    expect(verifiedBefore).toHaveLength(2);
    // Three newer backups nothing vouches for: one without a manifest, two whose verification failed.
    const planted = ["2999-01-01T00-00-00-000Z.db", "2999-01-02T00-00-00-000Z.db", "2999-01-03T00-00-00-000Z.db"];
    for (const [index, name] of planted.entries()) {
      writeFileSync(join(dir, name), "not a database");
      if (index > 0) writeFileSync(join(dir, name.replace(/\.db$/, ".json")), JSON.stringify({ worker: "payments", verified: false, problems: ["integrity_check: broken"] }));
    }
    const result = await meshCli(["backup", "payments", "--json"]); // BACKUP_KEEP=2
    expect(result.code, result.output).toBe(0);
    const taken = jsonOf(result.output).backups[0].file.split("/").at(-1);
    // Kept: the two newest verified (the newer earlier one and the one just taken), and the unverified
    // ones among the two newest overall. Before, the three planted ones pushed every verified backup out.
    expect(
      readdirSync(dir)
        .filter((name) => name.endsWith(".db"))
        .sort(),
    ).toEqual([verifiedBefore[1], taken, planted[1], planted[2]]);
    for (const name of planted) {
      rmSync(join(dir, name), { force: true });
      rmSync(join(dir, name.replace(/\.db$/, ".json")), { force: true });
    }
  }, 60_000);

  it("drills every worker: restored, migrated, integrity ok, row counts as in the manifest", async () => {
    const result = await meshCli(["backup", "--drill", "--json"]);
    expect(result.code, result.output).toBe(0);
    const { drills } = jsonOf(result.output);
    expect(drills.map((d: { worker: string }) => d.worker)).toEqual(dbWorkers);
    for (const drill of drills) expect(drill).toMatchObject({ ok: true, integrity: "ok", rowCountsMatch: true, problems: [] });

    const text = await meshCli(["backup", "--drill"]);
    expect(text.output).toMatch(/inventory\s+restore \d+ ms {2}integrity ok {2}row counts match {2}ok/);
  }, 60_000);

  it("shows each worker's last backup in its /health/ready: ok, then a failure with its reason", async () => {
    const ready = async (worker: "payments" | "users") => (await (await fetch(`${mesh.url(worker)}/health/ready`)).json()) as { ready: boolean; backup: any };
    expect((await ready("payments")).backup).toMatchObject({ status: "ok", error: null, file: expect.stringContaining(join(mesh.dataDir, "backups", "payments")) });

    // A copy directory that cannot be made (its parent is a file): the backup fails after the
    // local copy, and the failure is what the worker reports from now on. Readiness is unchanged.
    const blocker = join(tempDir("backup-blocked"), "not-a-dir");
    writeFileSync(blocker, "");
    const failed = await meshCli(["backup", "payments"], { BACKUP_COPY_DIR: join(blocker, "copy") });
    expect(failed.code).toBe(1);
    expect(failed.output).toMatch(/payments\s+FAILED: .*(ENOTDIR|not a directory)/);
    const after = await ready("payments");
    expect(after).toMatchObject({ ready: true, backup: { status: "failed", error: expect.stringMatching(/ENOTDIR|not a directory/) } });

    // The next good backup clears it.
    expect((await meshCli(["backup", "payments"])).code).toBe(0);
    expect((await ready("payments")).backup.status).toBe("ok");
    expect((await ready("users")).backup.status).toBe("ok");
  }, 60_000);

  it("refuses a worker that owns no database", async () => {
    const result = await meshCli(["backup", "gateway"]);
    expect(result.code).toBe(2);
    expect(result.output).toContain("gateway own no database");
  });
});
