/** The shape every bench returns and the results file keeps, one entry per bench. */
import type { BenchContext } from "./context";

/** One measured line: what it was, under which conditions, and its figures. */
export interface Figure {
  label: string;
  conditions: Record<string, unknown>;
  values: { [key: string]: number | string | null };
  /** Where a figure's CPU went: ms per unit by process (the orders bench's sides). */
  perProcess?: Record<string, number | null>;
}

export interface Aim {
  aim: string;
  value: number | null;
  met: boolean | null;
}

export interface BenchResult {
  name: string;
  title: string;
  /** Exactly what was measured, in a sentence or two. */
  measured: string;
  figures: Figure[];
  ratios: Record<string, number>;
  aims: Aim[];
  notes: string[];
  /** Set when the bench could not run here; says why. */
  error?: string;
  seconds?: number;
}

export interface Bench {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export function emptyResult(bench: { name: string; title: string }, measured: string): BenchResult {
  return { name: bench.name, title: bench.title, measured, figures: [], ratios: {}, aims: [], notes: [] };
}
