/**
 * What Linux says of a process: its resident memory (VmRSS in /proc/<pid>/status) and its CPU
 * time, every thread, user and system (/proc/<pid>/stat). Null where /proc is missing or the
 * process is gone.
 */
import { readFileSync } from "node:fs";

export interface ProcessReading {
  rssMb: number | null;
  cpuMs: number | null;
}

function read(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

export function readProcess(pid: number): ProcessReading {
  const status = read(`/proc/${pid}/status`);
  const rssKb = status?.match(/^VmRSS:\s+(\d+) kB/m)?.[1];
  const stat = read(`/proc/${pid}/stat`);
  // After the command name (which may hold spaces): utime and stime are fields 14 and 15 of proc(5), in USER_HZ (100).
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuMs = fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 : null;
  return { rssMb: rssKb ? Number(rssKb) / 1024 : null, cpuMs };
}
