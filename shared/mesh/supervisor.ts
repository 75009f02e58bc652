/**
 * Runs one worker as its own `bun run workers/<name>/main.ts` process and keeps it running: a
 * worker that exits when nobody asked is restarted with exponential backoff (250 ms doubling to
 * 10 s, back to 250 ms once it has stayed up 30 s). Readiness is its `/health/ready` answering 200.
 *
 * @example
 *   const users = new SupervisedWorker(spec, { env, output, onStart: saveState, onReady: report });
 *   users.start(); ... await users.stop(12_000);
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WorkerSpec } from "./discover";
import { isHeld } from "./hold";
import { stopChild } from "./nats";
import type { MeshOutput } from "./output";
import { repoRoot } from "./settings";

export const restartPolicy = { firstDelayMs: 250, maxDelayMs: 10_000, stableAfterMs: 30_000 };

const orphanGuard = fileURLToPath(new URL("./orphan-guard.ts", import.meta.url));
// The same bun that runs the launcher; `bun` from PATH only if the launcher is not under Bun.
const bunCommand = process.versions.bun ? process.execPath : "bun";

export interface SupervisedWorkerOptions {
  env: Record<string, string>;
  output: MeshOutput;
  /** Called after every (re)start, with the new pid. */
  onStart(worker: SupervisedWorker): void;
  /** Called each time a new process of this worker first answers ready. */
  onReady(worker: SupervisedWorker, restarts: number): void;
  /** While this file exists, an exit is not restarted; the worker starts once it is gone (hold.ts). */
  holdFile?: string;
}

export class SupervisedWorker {
  private child: ChildProcess | undefined;
  private stopping = false;
  private nextDelayMs = restartPolicy.firstDelayMs;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  restarts = 0;

  constructor(
    readonly spec: WorkerSpec,
    private readonly options: SupervisedWorkerOptions,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    const { spec, options } = this;
    // Own process group: a terminal Ctrl-C reaches only the launcher, which stops workers in order.
    const child = spawn(bunCommand, ["run", "--preload", orphanGuard, spec.entry], {
      cwd: repoRoot,
      env: options.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    const startedAt = Date.now();
    options.output.pipe(spec.name, child.stdout);
    options.output.pipe(spec.name, child.stderr);
    child.once("error", (error) => options.output.warn("mesh", `${spec.name} could not start: ${error.message}`));
    child.once("exit", (code, signal) => this.onExit(child, startedAt, code, signal));
    options.onStart(this);
    void this.waitUntilReady(child);
  }

  private onExit(child: ChildProcess, startedAt: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || this.child !== child) return;
    if (isHeld(this.options.holdFile)) return this.startWhenReleased();
    if (Date.now() - startedAt >= restartPolicy.stableAfterMs) this.nextDelayMs = restartPolicy.firstDelayMs;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(delay * 2, restartPolicy.maxDelayMs);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    this.options.output.warn("mesh", `${this.spec.name} exited (${how}); restarting in ${delay}ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarts += 1;
      this.start();
    }, delay);
  }

  /** An operator holds this worker down (e.g. `mesh restore`): start it again once released. */
  private startWhenReleased(): void {
    this.options.output.say("mesh", `${this.spec.name} stopped and held by ${this.options.holdFile}; it starts again once that file is gone`);
    const poll = setInterval(() => {
      if (this.stopping) return clearInterval(poll);
      if (isHeld(this.options.holdFile)) return;
      clearInterval(poll);
      this.nextDelayMs = restartPolicy.firstDelayMs;
      this.start();
    }, 100);
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const isCurrent = () => this.child === child && child.exitCode === null && child.signalCode === null && !this.stopping;
    while (isCurrent()) {
      if (await answersReady(this.spec.url)) {
        if (isCurrent()) this.options.onReady(this, this.restarts);
        return;
      }
      await Bun.sleep(100);
    }
  }

  /** SIGTERM, SIGKILL after `graceMs`; no restart afterwards. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.child) await stopChild(this.child, graceMs);
  }
}

export async function answersReady(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
