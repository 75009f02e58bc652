/**
 * `bun run bench/profile.ts <trpc|orders> [seconds]`: CPU profiles (Bun's --cpu-prof, markdown
 * too) taken under the bench's own load, written to $PROFILE_DIR (default a temp dir).
 * trpc: the catalog worker serving tRPC `get` (autocannon, 32 connections).
 * orders: every process of a launcher mesh (BUN_OPTIONS reaches each worker) while orders are
 * placed through the gateway at saturation; orders-store: the same with every span exported to
 * the mesh's own trace store (its telemetry process profiled too). Used to find where the missed
 * aims' time goes.
 */
import { readdirSync } from "node:fs";
import { freePort, tempDir, waitFor } from "../test/support/processes";
import { bunBin } from "../test/support/processes";
import { autocannon } from "./lib/autocannon";
import { createBenchContext } from "./lib/context";
import { startProcess } from "./lib/process";
import { orderLoad } from "./benches/orders";

const [target = "trpc", secondsArg = "8"] = process.argv.slice(2);
const seconds = Number(secondsArg);
const profileDir = process.env["PROFILE_DIR"] ?? tempDir("profile");
const profileFlags = `--cpu-prof --cpu-prof-md --cpu-prof-dir=${profileDir}`;
const settings = { quick: false, connections: 32, durationS: seconds, warmupS: 0 };
const ctx = createBenchContext(settings, { meshEnv: { BUN_OPTIONS: profileFlags } });

try {
  if (target === "orders" || target === "orders-store") {
    const mesh = await ctx.mesh(target === "orders" ? "plain" : "store");
    console.log(JSON.stringify(mesh.workers.map((w) => `${w.name}=${w.pid}`)));
    const load = orderLoad(mesh, settings);
    console.log(JSON.stringify(await autocannon(load.url, load.settings)));
    await ctx.stopMesh();
  } else if (target === "trpc") {
    const catalog = await ctx.catalog();
    const port = await freePort();
    // A second catalog on the same DB, profiled (the context's own catalog is not).
    const proc = startProcess(bunBin, [...profileFlags.split(" "), "run", "workers/catalog/main.ts"], {
      DATA_DIR: catalog.dataDir,
      NATS_URL: (await ctx.nats()).url,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      MESH_TOKEN_SECRET: ctx.secret,
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor("catalog", async () => ((await fetch(`${url}/health/ready`)).ok ? true : undefined));
    const input = encodeURIComponent(JSON.stringify({ id: catalog.productId }));
    console.log(JSON.stringify(await autocannon(`${url}/trpc/get?input=${input}`, { ...settings, headers: await ctx.directHeaders("catalog") })));
    await proc.stop();
  } else throw new Error(`unknown target ${target}: trpc, orders or orders-store`);
} finally {
  await ctx.close();
}
console.log(`profiles in ${profileDir}: ${readdirSync(profileDir).join(", ")}`);
process.exit(0);
