/**
 * Follows a log file another process writes (the launcher's nats-server logs to a file so it can
 * outlive the launcher): polls for appended bytes and hands over whole lines.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

/** Calls `onLine` for each line appended to `file` after byte `from`, polling; returns the stop. */
export function tailLines(file: string, from: number, onLine: (line: string) => void, everyMs = 250): () => void {
  let offset = from;
  let partial = "";
  const read = () => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size <= offset) return;
    const fd = openSync(file, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      offset = size;
      const lines = (partial + buffer.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line);
    } finally {
      closeSync(fd);
    }
  };
  const timer = setInterval(read, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    read();
  };
}
