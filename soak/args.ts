/**
 * The soak's flags: `--minutes N [--rate R] [--retention-scale S] [--every M] [--out DIR]`. A bad
 * flag stops the run with one line naming it, before anything starts.
 *
 * @example parseSoakArgs(["--minutes", "60"], 59) // { minutes: 60, rate: 59, retentionScale: 1, everyMinutes: 5, out: null }
 */
export interface SoakArgs {
  minutes: number;
  /** Requests per second (half of them orders), sent evenly: request i at t0 + i/rate. */
  rate: number;
  retentionScale: number;
  everyMinutes: number;
  out: string | null;
}

const flags = { "--minutes": "minutes", "--rate": "rate", "--retention-scale": "retentionScale", "--every": "everyMinutes", "--out": "out" } as const;

function positive(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || !Number.isFinite(value) || value <= 0) throw new Error(`${flag}: must be a positive number (got ${JSON.stringify(text ?? "")})`);
  return value;
}

export function parseSoakArgs(argv: string[], defaultRate: number): SoakArgs {
  const args: SoakArgs = { minutes: 0, rate: defaultRate, retentionScale: 1, everyMinutes: 5, out: null };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const key = flags[flag as keyof typeof flags];
    if (!key) throw new Error(`${flag}: unknown flag (use ${Object.keys(flags).join(", ")})`);
    if (key === "out") {
      if (!argv[i + 1]) throw new Error("--out: needs a directory");
      args.out = argv[i + 1]!;
    } else args[key] = positive(flag, argv[i + 1]);
  }
  if (args.minutes === 0) throw new Error("--minutes: required (how long the soak runs)");
  if (args.retentionScale > 1) throw new Error(`--retention-scale: at most 1 (got ${args.retentionScale})`);
  return args;
}
