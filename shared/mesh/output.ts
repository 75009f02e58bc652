/**
 * The launcher's console: every line is prefixed with who said it (a worker, `nats` or `mesh`),
 * padded so the columns line up, coloured when stdout is a terminal (NO_COLOR turns it off). With
 * `prettyLogs` the workers' JSON log lines are printed for a person (pretty-log.ts).
 *
 * @example const log = createMeshOutput(["users", "catalog"]); log.say("mesh", "starting");
 */
import type { Readable } from "node:stream";
import { prettyLogLine } from "./pretty-log";

const palette = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94];

export interface MeshOutput {
  /** One launcher message. */
  say(label: string, message: string): void;
  /** A loud message on stderr (e.g. no broker). */
  warn(label: string, message: string): void;
  /** Copies a child's stream line by line, prefixed; `keep` filters lines out. */
  pipe(label: string, stream: Readable | null, keep?: (line: string) => boolean): void;
}

export function createMeshOutput(labels: string[], options: { prettyLogs?: boolean } = {}): MeshOutput {
  const width = Math.max(4, ...labels.map((label) => label.length));
  const colour = Boolean(process.stdout.isTTY) && !process.env["NO_COLOR"];
  const colours = new Map<string, number>();
  const prefix = (label: string) => {
    const padded = label.padEnd(width);
    if (!colour) return `${padded} | `;
    if (!colours.has(label)) colours.set(label, label === "mesh" ? 1 : palette[colours.size % palette.length]!);
    return `\x1b[${colours.get(label)}m${padded} |\x1b[0m `;
  };
  const shown = (label: string, line: string) => (options.prettyLogs ? prettyLogLine(line, colour, label) : line);
  const write = (label: string, text: string, toStderr = false) => {
    const lines = text.split("\n").map((line) => prefix(label) + line);
    (toStderr ? process.stderr : process.stdout).write(`${lines.join("\n")}\n`);
  };

  return {
    say: (label, message) => write(label, message),
    warn: (label, message) => write(label, colour ? `\x1b[1;31m${message}\x1b[0m` : message, true),
    pipe(label, stream, keep = () => true) {
      if (!stream) return;
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line.length > 0 && keep(line)) write(label, shown(label, line));
      });
      stream.on("end", () => {
        if (partial.length > 0 && keep(partial)) write(label, shown(label, partial));
        partial = "";
      });
    },
  };
}
