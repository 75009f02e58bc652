/**
 * The WAL checkpointer's thread (wal-checkpoints.ts): its own bun:sqlite connection of the worker's
 * file, a checkpoint every interval while the WAL changes (startCheckpointLoop: rarer looks while it
 * does not), so their fsyncs run here and not on the thread serving requests.
 * "stop" from the worker closes the connection and ends the thread.
 */
import { Database } from "bun:sqlite";
import { workerData } from "node:worker_threads";
import { startCheckpointLoop, type CheckpointSettings } from "./wal-checkpoints";

const { file, settings } = workerData as { file: string; settings: CheckpointSettings };
const connection = new Database(file, { readwrite: true });
connection.run("PRAGMA busy_timeout = 5000");
const loop = startCheckpointLoop(file, settings, (pragma) => connection.run(pragma));

self.onmessage = () => {
  loop.stop();
  connection.close();
  process.exit(0);
};
