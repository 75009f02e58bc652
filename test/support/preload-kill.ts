/**
 * The kill switch the kill preloads share: a worker process that reaches the chosen point writes
 * a marker file (what it was doing) and SIGKILLs itself, once per marker (a restarted worker with
 * the same preload finds the marker and runs on). Read from the environment because a preload has
 * no other input: KILL_TEST_MARKER (file), KILL_TEST_SUBJECT (the subject counted), KILL_TEST_AFTER
 * (die at the Nth hit, default 1).
 */
import { existsSync, writeFileSync } from "node:fs";

export interface KillSwitch {
  /** Counts a hit on `subject`; at the Nth one, writes `details` to the marker and dies. */
  hit(subject: string, details: () => Record<string, unknown>): void;
}

export function killSwitchFromEnv(): KillSwitch {
  const marker = process.env["KILL_TEST_MARKER"];
  const subject = process.env["KILL_TEST_SUBJECT"];
  const after = Number(process.env["KILL_TEST_AFTER"] ?? 1);
  let hits = 0;
  return {
    hit(hitSubject, details) {
      if (!marker || hitSubject !== subject || existsSync(marker)) return;
      hits += 1;
      if (hits < after) return;
      writeFileSync(marker, JSON.stringify({ pid: process.pid, subject, hits, ...details() }));
      process.kill(process.pid, "SIGKILL");
    },
  };
}
