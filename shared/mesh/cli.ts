// shared/mesh/ — the launcher and operations CLI (`npm run mesh -- up|status|check|backup|…`), run by
// people, imported by no worker (the guard's rule no-cli-in-workers). It may use every other part.
/**
 * `npm run mesh -- <command>`: one entry for the mesh's operator commands. Each command is a
 * module in this folder exporting `summary` and `run(args) → exit code`; add one by adding a
 * line to `commands`.
 */
import { ConfigError } from "../core/config";
import { MeshSetupError } from "./discover";

interface MeshCommand {
  summary: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<MeshCommand>> = {
  up: () => import("./up"),
  status: () => import("./status"),
  dlq: () => import("./dlq"),
  rebuild: () => import("./rebuild"),
  check: () => import("./check"),
  backup: () => import("./backup"),
  restore: () => import("./restore"),
  new: () => import("./new"),
  trace: () => import("./trace"),
};

async function usage(): Promise<string> {
  const lines = await Promise.all(Object.entries(commands).map(async ([name, load]) => `  ${name.padEnd(10)} ${(await load()).summary}`));
  return `usage: npm run mesh -- <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === "help" || name === "--help" || name === "-h") {
  process.stdout.write(await usage());
  process.exit(name === undefined ? 2 : 0);
}
const load = commands[name];
if (!load) {
  process.stderr.write(`unknown command: ${name}\n\n${await usage()}`);
  process.exit(2);
}
try {
  process.exit(await (await load()).run(args));
} catch (error) {
  if (error instanceof ConfigError || error instanceof MeshSetupError) {
    process.stderr.write(`mesh: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
