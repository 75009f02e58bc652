/**
 * One soak: a launcher mesh with the run's retentions, seeded, under the open-loop load for
 * `minutes`, read after seeding, once early (the calibration reading: rows per order before any
 * retention applies) and every `everyMinutes`; then each table's and stream's bound judged and
 * each process's RSS held against its envelope.
 *
 * @example const report = await runSoak({ minutes: 3, rate: 20, retentionScale: 0.001, everyMinutes: 0.5, out: null });
 */
import { connect } from "nats";
import type { SoakArgs } from "./args";
import { judgeAll } from "./bounds";
import { startLoad } from "./load";
import { startSoakMesh } from "./mesh";
import type { SoakReport } from "./report";
import { scaledRetention } from "./retention";
import { takeSample, type Sample } from "./sample";
import { seedShop } from "./seed";

/**
 * How far above its idle RSS a process may go: the bench saw workers reach ~50 MB over idle at
 * saturation (74–88 → up to 137 MB); the soak runs below saturation, and the rest is room for when
 * a busy machine's GC runs. A leak grows past it within a long run.
 */
export const rssEnvelopeMb = 80;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSoak(args: SoakArgs, log: (line: string) => void = () => {}): Promise<SoakReport> {
  const { retention, env, raised } = scaledRetention(args.retentionScale);
  const mesh = await startSoakMesh(env);
  const nc = await connect({ servers: mesh.nats.url });
  try {
    const shop = await seedShop(mesh.gatewayUrl, mesh.adminKey);
    const sources = { dataDir: mesh.dataDir, processes: [...mesh.workers, { name: "nats-server", pid: mesh.nats.pid }], jsm: await nc.jetstreamManager(), startedAt: performance.now() };
    const samples: Sample[] = [await takeSample(sources, { latenciesMs: [], counts: { orders: 0, confirmed: 0, failed: 0, requests: 0 } })];
    const load = startLoad(mesh.gatewayUrl, shop, args.rate);
    const endAt = performance.now() + args.minutes * 60_000;
    const everyMs = args.everyMinutes * 60_000;
    await pause(Math.min(20_000, everyMs / 2));
    samples.push(await takeSample(sources, load.takeInterval()));
    for (let next = everyMs; next <= args.minutes * 60_000 + 1; next += everyMs) {
      await pause(Math.max(0, sources.startedAt + next - performance.now()));
      samples.push(await takeSample(sources, load.takeInterval()));
      log(`soak: ${(next / 60_000).toFixed(1)} min, ${samples[samples.length - 1]!.counts.orders} orders`);
    }
    await pause(Math.max(0, endAt - performance.now()));
    await load.stop();
    const rss = Object.fromEntries(
      sources.processes.map(({ name }) => {
        const idle = samples[0]!.processes[name]?.rssMb ?? 0;
        return [name, { idle, max: Math.max(...samples.map((s) => s.processes[name]?.rssMb ?? 0)), limit: idle + rssEnvelopeMb }];
      }),
    );
    return { command: "npm run soak", settings: { ...args, retention, raised }, samples, verdicts: judgeAll(samples, retention), rssEnvelopeMb: rss };
  } finally {
    await nc.close();
    await mesh.stop();
  }
}
