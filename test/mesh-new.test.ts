/**
 * `mesh new` end to end, in a copy of the repository (its tracked and new files, node_modules
 * linked), so the real tree is never touched: bad requests are refused in one line with nothing
 * written; a publisher (`shipping --owns-data --publishes`) and a consumer of it (`tracking
 * --consumes shipping`) are written prettier-clean, typecheck, pass the ownership guard and their
 * own tests; then the launcher runs them with a nats-server it starts itself (one NATS user per
 * worker, so their permissions are the real ones), both are ready in `mesh status` and on the
 * gateway's /mesh, and an item created at shipping reaches tracking's read model through its event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { adminHeaders, bunBin, freePort, freePortBase, repoRoot, startLauncher, stopAll, tempDir, trpcMutation, trpcQuery, waitFor, type RunningProcess } from "./support/processes";
import { workerNamesIn } from "../shared/mesh/discover";

const run = promisify(execFile);
let copy: string;
const launchers: RunningProcess[] = [];

/** The repository as git sees it (tracked files and new ones not ignored), copied; node_modules linked, not copied. */
async function copyRepository(): Promise<string> {
  const dir = tempDir("mesh-new-repo");
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split("\0")) {
    // A worktree's node_modules may be a symlink git lists as a new file; a deleted file is still listed as tracked.
    if (!file || file === "node_modules" || !existsSync(join(repoRoot, file)) || lstatSync(join(repoRoot, file)).isDirectory()) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(dir, file));
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** A command in the copy, to its end: exit code and output (the VITEST_* variables of this run left out, so a vitest there is a run of its own). */
async function inCopy(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const base = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST"))), NO_COLOR: "1", FORCE_COLOR: "0" };
  try {
    const { stdout, stderr } = await run(command, args, { cwd: copy, env: { ...base, ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

/** `base`, or base1, base2…: the repository may hold a worker of that name already (made with mesh new). */
const freeName = (base: string) => [base, ...Array.from({ length: 50 }, (_, n) => `${base}${n + 1}`)].find((name) => !existsSync(join(copy, "workers", name)))!;
let shipping: string;
let tracking: string;
const realWorkers = workerNamesIn(repoRoot);

const meshNew = (...args: string[]) => inCopy(bunBin, ["run", "shared/mesh/cli.ts", "new", ...args]);
const bin = (name: string) => join(copy, "node_modules", ".bin", name);

/** Every path under the copy's workers/ and migrations/: what "nothing written" compares. */
const writtenTree = () =>
  ["workers", "migrations"].flatMap((folder) => readdirSync(join(copy, folder), { recursive: true, encoding: "utf8" }).map((path) => `${folder}/${path}`)).sort();

beforeAll(async () => {
  copy = await copyRepository();
  shipping = freeName("shipping");
  tracking = freeName("tracking");
}, 120_000);
afterAll(async () => {
  for (const launcher of launchers) await launcher.kill("SIGKILL");
  await stopAll();
});

describe("mesh new", () => {
  it("refuses a bad name, a taken or reserved one, and a --consumes of an unknown worker or one that publishes nothing, each in one line, writing nothing", async () => {
    const before = writtenTree();
    const refusals: [string[], RegExp][] = [
      [["Shipping"], /worker name "Shipping" refused: use lower-case letters and digits, starting with a letter/],
      [["9lives"], /worker name "9lives" refused/],
      [["ship-ping"], /worker name "ship-ping" refused/],
      [["users"], /worker users exists already/],
      [["shared"], /worker name shared is reserved/],
      [["mesh"], /worker name mesh is reserved/],
      [["operator"], /worker name operator is reserved/],
      [["x", "--consumes", "nowhere"], /--consumes nowhere: there is no worker nowhere/],
      [["x", "--consumes", "reporting"], /--consumes reporting: reporting publishes nothing/],
      [["x", "--consumes", "gateway"], /--consumes gateway: gateway publishes nothing/],
    ];
    for (const [args, expected] of refusals) {
      const { code, output } = await meshNew(...args);
      expect(code, args.join(" ")).toBe(2);
      expect(output.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
      expect(output, args.join(" ")).toMatch(expected);
    }
    expect(writtenTree()).toEqual(before);
  });

  it("writes a publisher and a consumer of its event, prettier-clean, typechecked, within the guard, their tests passing", async () => {
    const publisher = await meshNew(shipping, "--owns-data", "--publishes");
    expect(publisher.code, publisher.output).toBe(0);
    expect(publisher.output).toMatch(
      new RegExp(`^created workers/${shipping}/ \\(11 files\\) and migrations/${shipping}/ \\(its first migration\\); port MESH_PORT_BASE \\+ \\d+\nnext:\n`),
    );
    const consumer = await meshNew(tracking, "--consumes", shipping);
    expect(consumer.code, consumer.output).toBe(0);
    expect(consumer.output).toContain(`consumes ${shipping}.item.created as durable ${tracking}-${shipping}`);
    const offsetOf = (name: string) => Number(/portOffset: (\d+)/.exec(readFileSync(join(copy, "workers", name, "contract.ts"), "utf8"))![1]);
    expect(offsetOf(tracking)).toBe(offsetOf(shipping) + 1);
    expect(readdirSync(join(copy, "workers", tracking)).sort()).toEqual(
      ["config.ts", "consumers.ts", "contract.ts", "deps.ts", "drizzle.config.ts", "main.ts", "router.ts", "schema.ts", "service.ts", `${tracking}.test.ts`, "worker.ts"].sort(),
    );
    for (const name of [shipping, tracking]) expect(readdirSync(join(copy, "migrations", name)).sort()).toEqual(["0000_init.sql", "meta"]);

    const formatted = await inCopy(bin("prettier"), ["--check", `workers/${shipping}`, `workers/${tracking}`]);
    expect(formatted.code, formatted.output).toBe(0);
    writeFileSync(join(copy, "tsconfig.new.json"), JSON.stringify({ extends: "./tsconfig.json", include: [`workers/${shipping}`, `workers/${tracking}`] }));
    const typed = await inCopy(bin("tsc"), ["-p", "tsconfig.new.json"]);
    expect(typed.code, typed.output).toBe(0);
    const guarded = await inCopy(bin("depcruise"), [`workers/${shipping}`, `workers/${tracking}`, "--config", ".dependency-cruiser.cjs"]);
    expect(guarded.code, guarded.output).toBe(0);
    const tested = await inCopy(bin("vitest"), ["run", `workers/${shipping}`, `workers/${tracking}`]);
    expect(tested.code, tested.output).toBe(0);
    expect(tested.output).toMatch(/Test Files\s+2 passed/);
  }, 300_000);

  it("runs both in a mesh the launcher starts: ready in mesh status and on /mesh, the consumer's read model fed by the publisher's event", async () => {
    const dataDir = tempDir("mesh-new-data");
    const env = { DATA_DIR: dataDir, NATS_URL: `nats://127.0.0.1:${await freePort()}`, MESH_PORT_BASE: String(await freePortBase()), GATEWAY_PORT: String(await freePort()) };
    const launcher = startLauncher(["--workers", `${shipping},${tracking},gateway`], env, { cwd: copy });
    launchers.push(launcher);
    await Promise.race([
      waitFor("mesh ready", async () => (launcher.output().includes("mesh ready") ? true : undefined), 90_000),
      launcher.exited.then((code) => Promise.reject(new Error(`launcher exited with ${code}:\n${launcher.output()}`))),
    ]);
    expect(launcher.output()).toContain("nats-server started by the launcher");

    const status = await inCopy(bunBin, ["run", "shared/mesh/cli.ts", "status", "--json"], { DATA_DIR: dataDir });
    const workers = (JSON.parse(status.output.slice(status.output.indexOf("{"))) as { workers: { name: string; url: string; ready: boolean }[] }).workers;
    const urlOf = (name: string) => workers.find((worker) => worker.name === name)!.url;
    expect(workers.map(({ name, ready }) => `${name} ${ready}`).sort()).toEqual([`gateway true`, `${shipping} true`, `${tracking} true`].sort());

    const created = await trpcMutation(urlOf(shipping), "createItem", { label: "Parcel 1" });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const item = created.body.result.data as { id: string; createdAt: string };
    const seen = await waitFor("tracking's read model", async () => {
      const answer = await trpcQuery(urlOf(tracking), "createdItem", { itemId: item.id });
      return answer.status === 200 ? answer.body.result.data : undefined;
    });
    expect(seen).toMatchObject({ itemId: item.id, label: "Parcel 1", createdAt: item.createdAt });

    // The gateway calls neither: /mesh lists them from the bus, once their NATS services are registered.
    type DashboardWorker = { name: string; ready: boolean; consumes: { owner: string; durable: string }[] };
    const listed = await waitFor(`${shipping} and ${tracking} on /mesh`, async () => {
      const state = (await (await fetch(`${urlOf("gateway")}/mesh/state.json`, { headers: adminHeaders() })).json()) as { workers: DashboardWorker[] };
      const found = [shipping, tracking].map((name) => state.workers.find((worker) => worker.name === name));
      return found.every((worker) => worker?.ready) ? (found as DashboardWorker[]) : undefined;
    });
    expect(listed[1]!.consumes).toEqual([{ owner: shipping, durable: `${tracking}-${shipping}` }]);

    await launcher.kill("SIGTERM");
    expect(await launcher.exited).toBe(0);
    // The real tree was never written to.
    expect(workerNamesIn(repoRoot)).toEqual(realWorkers);
  }, 300_000);
});
