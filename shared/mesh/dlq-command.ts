/**
 * `npm run mesh -- dlq list|show|replay|drop`: the operator's view of the dead-letter stream.
 *   dlq list [--consumer NAME] [--json]
 *   dlq show SEQ
 *   dlq replay SEQ... | --all [--consumer NAME] [--keep]
 *   dlq drop SEQ... | --all [--consumer NAME]
 * Exit codes: 0 done, 1 failed (NATS unreachable, no such dead letter), 2 bad usage.
 */
import { connect, type NatsConnection } from "nats";
import { natsServersOf } from "../core/config";
import { dropDeadLetter, listDeadLetters, replayDeadLetter, showDeadLetter, type DeadLetter } from "../events/dlq";

export interface DlqCommandOptions {
  natsUrl: string;
  /** NATS user and password, when the server has users (the launcher's operator user). */
  user?: string;
  pass?: string;
  /** Where lines go; stdout/stderr by default. */
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

export const summary = "list, show, replay or drop dead letters (dlq list|show|replay|drop)";

const usage = "usage: mesh dlq list [--consumer NAME] [--json] | show SEQ | replay SEQ...|--all [--consumer NAME] [--keep] | drop SEQ...|--all [--consumer NAME]";

export async function runDlqCommand(args: string[], options: DlqCommandOptions): Promise<number> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const printError = options.printError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const [action, ...rest] = args;
  const flags = parseFlags(rest);
  if (!flags || !action || !["list", "show", "replay", "drop"].includes(action)) return (printError(usage), 2);
  if (action !== "list" && !flags.all && flags.seqs.length === 0) return (printError(`dlq ${action}: give a SEQ${action === "show" ? "" : " or --all"}\n${usage}`), 2);

  let nc: NatsConnection;
  try {
    nc = await connect({ servers: natsServersOf(options.natsUrl), timeout: 3000, maxReconnectAttempts: 0, ...(options.user ? { user: options.user, pass: options.pass } : {}) });
  } catch (error) {
    printError(`cannot reach NATS at ${options.natsUrl}: ${(error as Error).message}`);
    return 1;
  }
  try {
    if (action === "list") {
      const letters = await listDeadLetters(nc, { consumer: flags.consumer });
      if (flags.json) print(JSON.stringify(letters, null, 2));
      else if (letters.length === 0) print("no dead letters");
      else for (const letter of letters) print(describeLetter(letter));
      return 0;
    }
    if (action === "show") {
      const letter = await showDeadLetter(nc, flags.seqs[0]!);
      if (!letter) return (printError(`dead letter ${flags.seqs[0]} not found`), 1);
      print(JSON.stringify(letter, null, 2));
      return 0;
    }
    const seqs = flags.all ? (await listDeadLetters(nc, { consumer: flags.consumer })).map((l) => l.seq) : flags.seqs;
    let missing = 0;
    for (const seq of seqs) {
      if (action === "replay") {
        const replayed = await replayDeadLetter(nc, seq, { keep: flags.keep });
        if (replayed) print(`replayed ${seq} to ${replayed.subject} as ${replayed.msgId}`);
        else ((missing += 1), printError(`dead letter ${seq} not found`));
      } else if (await dropDeadLetter(nc, seq)) print(`dropped ${seq}`);
      else ((missing += 1), printError(`dead letter ${seq} not found`));
    }
    if (seqs.length === 0) print("no dead letters");
    return missing > 0 ? 1 : 0;
  } catch (error) {
    printError(`dlq ${action} failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await nc.close();
  }
}

function describeLetter(letter: DeadLetter): string {
  return `${letter.seq}\t${letter.consumer}\t${letter.originalSubject}\tattempts=${letter.attempts}\t${letter.failedAt}\t${letter.error}`;
}

function parseFlags(args: string[]): { seqs: number[]; all: boolean; json: boolean; keep: boolean; consumer?: string } | undefined {
  const flags = { seqs: [] as number[], all: false, json: false, keep: false, consumer: undefined as string | undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--all") flags.all = true;
    else if (arg === "--json") flags.json = true;
    else if (arg === "--keep") flags.keep = true;
    else if (arg === "--consumer" && args[i + 1]) flags.consumer = args[++i];
    else if (/^\d+$/.test(arg)) flags.seqs.push(Number(arg));
    else return undefined;
  }
  return flags;
}
