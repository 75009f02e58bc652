/**
 * CPU time of a process (all its threads: the JS thread, JIT and GC helpers, Bun's HTTP client),
 * from Linux's /proc/<pid>/stat. Used to say where an order's CPU goes, per worker, in one run.
 * Null where /proc is missing (not Linux) or the process is gone.
 */
import { readFileSync } from "node:fs";

/** utime + stime of `pid`, in milliseconds; null when unknown. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces), so index 11/12 are utime/stime (14/15 in proc(5)).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** Starts a measurement over some processes; the returned function gives each one's CPU ms since. */
export function measureCpu(processes: { name: string; pid: number }[]): () => Record<string, number | null> {
  const before = processes.map((p) => processCpuMs(p.pid));
  return () =>
    Object.fromEntries(
      processes.map((p, i) => {
        const now = processCpuMs(p.pid);
        const start = before[i];
        return [p.name, now === null || start === null || start === undefined ? null : now - start];
      }),
    );
}

/** VmRSS of a process in MB, from /proc (null once it is gone). */
export function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}
