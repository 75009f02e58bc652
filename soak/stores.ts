/**
 * What each worker keeps on disk, read from outside without disturbing it: its database file and
 * WAL size, each table's row count (a read-only SQLite connection to the worker's own file), and
 * each JetStream stream's store size (the JetStream API's stream info).
 */
import { Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import type { JetStreamManager } from "nats";

export interface DatabaseReading {
  fileMb: number;
  walMb: number;
  rows: Record<string, number>;
}

export interface StreamReading {
  bytes: number;
  messages: number;
}

const sizeMb = (file: string) => (existsSync(file) ? statSync(file).size / 1024 ** 2 : 0);

/** Row counts of every table of `file` (FTS shadow tables and SQLite's own left out). */
export function readDatabase(file: string): DatabaseReading {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .query<{ name: string }, []>(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '%\\_%data' escape '\\' and sql not like '%virtual%' order by name",
      )
      .all()
      .map((row) => row.name)
      .filter((name) => !/_(idx|docsize|config|content)$/.test(name) && !name.startsWith("__drizzle"));
    const rows = Object.fromEntries(tables.map((name) => [name, db.query<{ n: number }, []>(`select count(*) as n from "${name}"`).get()!.n]));
    return { fileMb: sizeMb(file), walMb: sizeMb(`${file}-wal`), rows };
  } finally {
    db.close();
  }
}

export async function readStreams(jsm: JetStreamManager): Promise<Record<string, StreamReading>> {
  const streams: Record<string, StreamReading> = {};
  for await (const info of jsm.streams.list()) streams[info.config.name] = { bytes: info.state.bytes, messages: info.state.messages };
  return streams;
}
