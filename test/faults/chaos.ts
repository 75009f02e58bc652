/**
 * The fault driver: SIGKILLs workers and the nats-server by a schedule that gives every target
 * its minimum number of kills (the rest random, all shuffled), restarts each after a short
 * outage, and every 8th fault SIGSTOPs a peer past the orders' peer deadline instead.
 */
import { startNats, type RunningNats } from "../support/processes";
import { allWorkers, type TestMesh, type WorkerName } from "../support/mesh";
import { sleep } from "./gateway";

export type Target = WorkerName | "nats";
export const targets: readonly Target[] = [...allWorkers, "nats"];

/** Kills each target gets at least, in a full run (FAULT_KILLS ≥ 60); a smaller FAULT_KILLS scales them down. A worker added since (mesh new) gets the common 5. */
const fullMinimums: Record<Target, number> = { users: 5, catalog: 5, inventory: 5, payments: 5, orders: 8, reporting: 5, gateway: 5, nats: 5 };
const fullKills = 60;
const pausable = ["inventory", "payments", "catalog"] as const;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export function killMinimums(minKills: number): Record<Target, number> {
  const scale = Math.min(1, minKills / fullKills);
  return Object.fromEntries(targets.map((target) => [target, Math.max(1, Math.round((fullMinimums[target] ?? 5) * scale))])) as Record<Target, number>;
}

/** Each target's minimum, topped up with random targets to `minKills`, in random order. */
export function killSchedule(minKills: number): Target[] {
  const schedule = Object.entries(killMinimums(minKills)).flatMap(([target, n]) => Array<Target>(n).fill(target as Target));
  while (schedule.length < minKills) schedule.push(pick(targets));
  for (let i = schedule.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [schedule[i], schedule[j]] = [schedule[j]!, schedule[i]!];
  }
  return schedule;
}

export interface Chaos {
  kills: Record<Target, number>;
  pauses: Record<string, number>;
  pauseMs: number;
  /** Faults until the schedule is done and `moreWanted()` says no more, then returns. */
  run(moreWanted: () => boolean): Promise<void>;
  nats(): RunningNats;
}

export function createChaos(options: { mesh: TestMesh; nats: RunningNats; minKills: number; peerTimeoutMs: number; readyTimeoutMs: number }): Chaos {
  const { mesh } = options;
  let nats = options.nats;
  const schedule = killSchedule(options.minKills);
  const kills = Object.fromEntries(targets.map((target) => [target, 0])) as Record<Target, number>;
  const pauses: Record<string, number> = {};
  const pauseMs = options.peerTimeoutMs * 1.5;

  // Paused past its peers' timeouts: calls to it time out instead of failing fast.
  const pause = async (target: (typeof pausable)[number]) => {
    const pid = mesh.workers[target]!.pid;
    process.kill(pid, "SIGSTOP");
    await sleep(pauseMs);
    process.kill(pid, "SIGCONT");
    pauses[target] = (pauses[target] ?? 0) + 1;
  };

  const kill = async (target: Target) => {
    kills[target] = (kills[target] ?? 0) + 1;
    if (target === "nats") {
      await nats.kill("SIGKILL");
      await sleep(300 + Math.random() * 700);
      nats = await startNats({ port: nats.port, storeDir: nats.storeDir });
    } else {
      await mesh.stop(target, "SIGKILL");
      await sleep(200 + Math.random() * 800);
      await mesh.start(target, {}, { readyTimeoutMs: options.readyTimeoutMs });
    }
  };

  return {
    kills,
    pauses,
    pauseMs,
    nats: () => nats,
    async run(moreWanted) {
      for (let fault = 1; schedule.length > 0 || moreWanted(); fault++) {
        await sleep(500 + Math.random() * 1_000);
        if (fault % 8 === 0) await pause(pausable[(fault / 8) % pausable.length]!);
        else await kill(schedule.shift() ?? pick(targets));
      }
    },
  };
}
