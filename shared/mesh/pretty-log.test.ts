import { describe, expect, it } from "vitest";
import { prettyLogLine } from "./pretty-log";

const at = new Date(2026, 11, 1, 10, 4, 5, 67).toISOString();

describe("prettyLogLine", () => {
  it("shows time, level, worker, message and correlation ID, then the other fields, without pid, hostname or trace IDs", () => {
    const line = JSON.stringify({
      level: "warn",
      time: at,
      pid: 12,
      hostname: "box",
      worker: "orders",
      correlationId: "c-1",
      trace_id: "abc",
      span_id: "def",
      orderId: "o1",
      attempt: 2,
      err: { message: "boom" },
      msg: "saga step failed",
    });
    expect(prettyLogLine(line, false)).toBe('10:04:05.067 WARN  orders saga step failed corr=c-1 orderId=o1 attempt=2 err={"message":"boom"}');
  });

  it("leaves out the worker when the launcher's prefix already names it", () => {
    const line = JSON.stringify({ level: "info", time: at, worker: "users", msg: "users ready" });
    expect(prettyLogLine(line, false, "users")).toBe("10:04:05.067 INFO  users ready");
    expect(prettyLogLine(line, false, "gateway")).toBe("10:04:05.067 INFO  users users ready");
  });

  it("names pino's numeric levels and colours the level when asked", () => {
    expect(prettyLogLine(JSON.stringify({ level: 50, time: at, msg: "down" }), false)).toBe("10:04:05.067 ERROR down");
    expect(prettyLogLine(JSON.stringify({ level: "info", time: at, msg: "up" }), true)).toContain("\x1b[32mINFO \x1b[0m");
  });

  it("leaves lines that are not JSON log lines as they are", () => {
    for (const line of ["plain text from bun", "{not json", '{"a":1}', "[1] 2026/12/01 nats"]) expect(prettyLogLine(line, false)).toBe(line);
  });
});
