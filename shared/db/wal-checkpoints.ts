/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the COMMIT that
 * pushes the WAL past `wal_autocheckpoint` pages, on the connection serving requests: under load it
 * fired many times a second, and its two fsyncs (WAL, then the DB file) stalled every request
 * meanwhile (bench/FINDINGS.md: 578 fsyncs, 1.75 s of 10 s, on the main thread). Here a second
 * connection of the same file runs a PASSIVE checkpoint every `intervalMs` (it copies committed pages
 * into the DB file beside the writer, never blocking it) and a TRUNCATE one when the WAL file has
 * grown past `truncateAboveBytes` (a reader kept PASSIVE from finishing), so the WAL is bounded.
 * Under Bun that connection lives in a Worker thread (wal-checkpoint-thread.ts), so the fsyncs
 * never run on the thread serving requests; under Node (the tests' better-sqlite3) on a timer.
 * The serving connection keeps an automatic checkpoint as a backstop only (`backstopPages`), in
 * case the checkpointer ever stops.
 *
 * Durability is as stated in DESIGN.md (WAL, synchronous=NORMAL): a commit never fsyncs, it is in
 * the WAL the moment it returns, so a killed process loses nothing committed; an OS crash may lose
 * the commits since the last checkpoint's WAL sync, now at most ~`intervalMs` of them.
 */
import { statSync } from "node:fs";

export interface CheckpointSettings {
  intervalMs: number;
  truncateAboveBytes: number;
}

export const defaultCheckpointSettings: CheckpointSettings = { intervalMs: 1000, truncateAboveBytes: 64 * 1024 * 1024 };

/** The serving connection's own automatic checkpoint, in pages: 128 MiB at SQLite's 4 KiB pages, past the checkpointer's TRUNCATE at 64 MiB. */
export const backstopPages = 32768;

/**
 * One round: TRUNCATE when the WAL file is past the limit, PASSIVE otherwise. `run` executes a
 * pragma. A round that fails (busy past the timeout, a file being replaced) is the next round's to do.
 */
export function checkpointOnce(file: string, settings: CheckpointSettings, run: (pragma: string) => void): "passive" | "truncate" | "failed" {
  const mode = walBytesOf(file) > settings.truncateAboveBytes ? "truncate" : "passive";
  try {
    run(`PRAGMA wal_checkpoint(${mode.toUpperCase()})`);
    return mode;
  } catch {
    return "failed";
  }
}

/**
 * Checkpoints as a loop: a round every `intervalMs` while the WAL changes; while it does not (the
 * same size and modification time as after the last round: nothing committed since), no
 * checkpoint runs and the next look waits twice as long, up to `idleMaxMs`, so an idle database
 * wakes its checkpointer rarely. The first change seen goes back to every `intervalMs`.
 */
export function startCheckpointLoop(file: string, settings: CheckpointSettings, run: (pragma: string) => void, options: { idleMaxMs?: number; unref?: boolean } = {}): { stop(): void } {
  const idleMaxMs = options.idleMaxMs ?? 8_000;
  // The thread's own loop keeps it alive (no unref there); on the serving thread it must not keep the process up.
  const arm = (ms: number) => {
    const armed = setTimeout(round, ms);
    if (options.unref) (armed as { unref?: () => void }).unref?.();
    return armed;
  };
  let seen = "";
  let waitMs = settings.intervalMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const round = () => {
    const before = walStateOf(file);
    if (before !== seen) {
      checkpointOnce(file, settings, run);
      seen = walStateOf(file);
      waitMs = settings.intervalMs;
    } else waitMs = Math.min(idleMaxMs, waitMs * 2);
    timer = arm(waitMs);
  };
  timer = arm(waitMs);
  return { stop: () => clearTimeout(timer) };
}

/** The WAL file's size and modification time, or "" when there is none. */
function walStateOf(file: string): string {
  try {
    const stat = statSync(`${file}-wal`);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return "";
  }
}

function walBytesOf(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0; // no WAL: the last connection's close checkpointed and removed it
  }
}

export interface Checkpointer {
  stop(): void;
}

/** Starts the checkpoints of `file` in the background (a Worker thread under Bun); stop() before closing the serving connection. */
export async function startCheckpoints(file: string, settings: CheckpointSettings, underBun: boolean): Promise<Checkpointer> {
  return underBun ? startThread(file, settings) : startTimer(file, settings);
}

/**
 * The thread starts one interval after the database opened: there is nothing to checkpoint before,
 * and the worker's start-up does not wait on a second JS VM. On stop the thread closes its
 * connection and exits; the serving connection's close waits for nothing.
 */
function startThread(file: string, settings: CheckpointSettings): Checkpointer {
  let thread: Worker | undefined;
  const starting = setTimeout(() => {
    thread = new Worker(new URL("./wal-checkpoint-thread.ts", import.meta.url).href, { workerData: { file, settings }, smol: true } as WorkerOptions);
    (thread as { unref?: () => void }).unref?.();
  }, settings.intervalMs);
  starting.unref?.();
  return {
    stop: () => {
      clearTimeout(starting);
      thread?.postMessage("stop");
    },
  };
}

async function startTimer(file: string, settings: CheckpointSettings): Promise<Checkpointer> {
  const { default: Database } = await import("better-sqlite3");
  const connection = new Database(file);
  connection.pragma("busy_timeout = 5000");
  const loop = startCheckpointLoop(file, settings, (pragma) => connection.exec(pragma), { unref: true });
  return {
    stop: () => {
      loop.stop();
      connection.close();
    },
  };
}
