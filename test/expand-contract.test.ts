/**
 * Expand/contract, worked through on users: `users.name` renamed to `display_name` in three steps
 * (docs/expand-contract.md). The previous release's storage code (frozen under
 * test/fixtures/users-previous-release) runs against a database migrated with today's
 * migrations/users and keeps its own rules; rows written by either release read right in the
 * other; the contract step, kept out of the live folder, passes the migration check only with
 * its mark and keeps every name when applied.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { openWorkerDatabase, type WorkerDatabase } from "../shared/db/db";
import { DomainError } from "../shared/core/errors";
import { checkMigrationsFolder, contractMark } from "../shared/mesh/migration-check";
import * as previousSchema from "./fixtures/users-previous-release/schema";
import * as previous from "./fixtures/users-previous-release/service";
import * as currentSchema from "../workers/users/schema";
import * as current from "../workers/users/service";
import { repoRoot, tempDir } from "./support/processes";

const liveMigrations = join(repoRoot, "migrations", "users");
const contractStep = join(repoRoot, "docs", "expand-contract", "users-display-name-contract");
const contractTag = "0004_users_display_name_contract";
const contractSnapshot = `${contractTag.slice(0, 4)}_snapshot.json`;
const now = new Date("2026-02-01T00:00:00Z");

interface Journal {
  entries: { idx: number; tag: string }[];
}

/** A copy of migrations/users cut after `lastIdx`, optionally with the contract step appended (marked or not). */
const scratchFolders: string[] = [];
afterAll(() => scratchFolders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function migrationsFolder(options: { lastIdx?: number; contract?: "marked" | "unmarked" } = {}): string {
  const folder = tempDir("users-migrations");
  scratchFolders.push(folder);
  cpSync(liveMigrations, folder, { recursive: true });
  const journalFile = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as Journal;
  journal.entries = journal.entries.filter((entry) => entry.idx <= (options.lastIdx ?? Infinity));
  if (options.contract) {
    journal.entries.push(JSON.parse(readFileSync(join(contractStep, "journal-entry.json"), "utf8")));
    cpSync(join(contractStep, contractSnapshot), join(folder, "meta", contractSnapshot));
    const contractSql = readFileSync(join(contractStep, `${contractTag}.sql`), "utf8");
    const text =
      options.contract === "marked"
        ? contractSql
        : contractSql
            .split("\n")
            .filter((line) => line.trim() !== contractMark)
            .join("\n");
    writeFileSync(join(folder, `${contractTag}.sql`), text);
  }
  writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  return folder;
}

function storedNames(database: WorkerDatabase<Record<string, unknown>>, id: string) {
  return database.db.get<{ name: string; display_name: string | null }>(sql`SELECT name, display_name FROM users WHERE id = ${id}`);
}

describe("expand/contract: users.name → display_name", () => {
  let dir: string;
  /** Release N's code and the current release's code, each on its own connection to one users.db. */
  let previousDb: WorkerDatabase<typeof previousSchema>;
  let currentDb: WorkerDatabase<typeof currentSchema>;

  beforeEach(async () => {
    dir = tempDir("expand-contract");
    previousDb = await openWorkerDatabase({ worker: "users", dataDir: dir, schema: previousSchema });
    currentDb = await openWorkerDatabase({ worker: "users", dataDir: dir, schema: currentSchema });
  });
  afterEach(() => {
    previousDb.close();
    currentDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the live migrations end expanded: name kept, display_name nullable, the insert trigger in place", () => {
    const columns = currentDb.db.all<{ name: string; notnull: number }>(sql`PRAGMA table_info(users)`);
    expect(columns.map((column) => [column.name, column.notnull])).toEqual([
      ["id", 1],
      ["email", 1],
      ["email_key", 1],
      ["name", 1],
      ["created_at", 1],
      ["display_name", 0],
    ]);
    const triggers = currentDb.db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'users'`);
    expect(triggers.map((trigger) => trigger.name)).toEqual(["users_display_name_from_name"]);
  });

  describe("the previous release's code passes its own rules on the expanded schema", () => {
    it("registers a user, reads it back alone and in a batch, and enqueues user.registered", () => {
      const ann = previous.registerUser(previousDb.db, { email: "Ann@Example.com", name: "Ann" }, now);
      expect(ann).toMatchObject({ email: "Ann@Example.com", name: "Ann", createdAt: now.toISOString() });
      expect(previous.getUser(previousDb.db, ann.id)).toEqual(ann);
      expect(previous.getUsers(previousDb.db, [ann.id, "nope"])).toEqual([ann]);
      const [event] = previousDb.db.select().from(previousSchema.outbox).all();
      expect(JSON.parse(event!.envelope)).toMatchObject({ type: "users.user.registered", data: { userId: ann.id, name: "Ann" } });
    });

    it("refuses an email already taken in another case, also when the current release registered it", () => {
      previous.registerUser(previousDb.db, { email: "ann@example.com", name: "Ann" }, now);
      current.registerUser(currentDb.db, { email: "bob@example.com", name: "Bob" }, now);
      for (const email of ["ANN@example.com", "Bob@Example.com"]) {
        const attempt = () => previous.registerUser(previousDb.db, { email, name: "Other" }, now);
        expect(attempt).toThrow(DomainError);
        expect(attempt).toThrow(`email ${email} is already registered`);
      }
      expect(() => current.registerUser(currentDb.db, { email: "ANN@EXAMPLE.COM", name: "Other" }, now)).toThrow("is already registered");
      expect(previousDb.db.select().from(previousSchema.users).all()).toHaveLength(2);
    });

    it("answers not found naming the id, and lists page by page over rows of both releases", () => {
      expect(() => previous.getUser(previousDb.db, "nope")).toThrow("user nope not found");
      previous.registerUser(previousDb.db, { email: "u1@x.io", name: "U1" }, now);
      current.registerUser(currentDb.db, { email: "u2@x.io", name: "U2" }, now);
      previous.registerUser(previousDb.db, { email: "u3@x.io", name: "U3" }, now);
      const first = previous.listUsers(previousDb.db, { limit: 2 });
      expect(first.items.map((user) => user.name)).toEqual(["U1", "U2"]);
      const second = previous.listUsers(previousDb.db, { limit: 2, after: first.next! });
      expect(second).toEqual({ items: [expect.objectContaining({ email: "u3@x.io", name: "U3" })], next: null });
    });
  });

  describe("both releases read what the other wrote", () => {
    it("a row the previous release writes (name only) gets display_name from the trigger, and the current code reads it", () => {
      const ann = previous.registerUser(previousDb.db, { email: "ann@x.io", name: "Ann" }, now);
      expect(storedNames(currentDb, ann.id)).toEqual({ name: "Ann", display_name: "Ann" });
      expect(current.getUser(currentDb.db, ann.id)).toEqual(ann);
    });

    it("a row the current release writes has both columns, and the previous code reads it", () => {
      const bob = current.registerUser(currentDb.db, { email: "bob@x.io", name: "Bob" }, now);
      expect(storedNames(currentDb, bob.id)).toEqual({ name: "Bob", display_name: "Bob" });
      expect(previous.getUser(previousDb.db, bob.id)).toEqual(bob);
    });
  });

  it("step 2's catch-up backfill fills the rows the previous release wrote between the expand step and it", async () => {
    const stepDir = tempDir("expand-contract-steps");
    const atExpand = await openWorkerDatabase({ worker: "users", dataDir: stepDir, schema: previousSchema, migrationsFolder: migrationsFolder({ lastIdx: 1 }) });
    const ann = previous.registerUser(atExpand.db, { email: "ann@x.io", name: "Ann" }, now);
    expect(storedNames(atExpand, ann.id)).toEqual({ name: "Ann", display_name: null }); // no trigger yet at step 1
    atExpand.close();
    const atReads = await openWorkerDatabase({ worker: "users", dataDir: stepDir, schema: currentSchema });
    expect(current.getUser(atReads.db, ann.id)).toEqual(ann);
    atReads.close();
    rmSync(stepDir, { recursive: true, force: true });
  });

  describe("the contract step (kept in docs/, applied once no previous-release code runs)", () => {
    it("passes the migration check after the live steps only with its contract mark", () => {
      const marked = checkMigrationsFolder(migrationsFolder({ contract: "marked" }));
      expect(marked.map((step) => [step.migration, step.contract, step.problems])).toEqual([
        ["0000_init", false, []],
        ["0001_users_display_name_expand", false, []],
        ["0002_users_display_name_reads", false, []],
        ["0003_users_idempotency_keys", false, []],
        [contractTag, true, []],
      ]);
      const unmarked = checkMigrationsFolder(migrationsFolder({ contract: "unmarked" })).at(-1)!;
      expect(unmarked.contract).toBe(false);
      expect(unmarked.problems).toEqual(["column users.name is dropped or renamed", "column users.display_name becomes NOT NULL"]);
    });

    it("keeps every display name of both releases' rows, drops name and the trigger, and the previous code no longer runs", async () => {
      const ann = previous.registerUser(previousDb.db, { email: "ann@x.io", name: "Ann" }, now);
      const bob = current.registerUser(currentDb.db, { email: "bob@x.io", name: "Bob" }, now);
      previousDb.close();
      currentDb.close();
      const contracted = await openWorkerDatabase({ worker: "users", dataDir: dir, schema: {}, migrationsFolder: migrationsFolder({ contract: "marked" }) });
      expect(contracted.db.all(sql`SELECT id, display_name FROM users ORDER BY id`)).toEqual([
        { id: ann.id, display_name: "Ann" },
        { id: bob.id, display_name: "Bob" },
      ]);
      const columns = contracted.db.all<{ name: string; notnull: number }>(sql`PRAGMA table_info(users)`);
      expect(columns.map((column) => [column.name, column.notnull])).toEqual([
        ["id", 1],
        ["email", 1],
        ["email_key", 1],
        ["display_name", 1],
        ["created_at", 1],
      ]);
      expect(contracted.db.all(sql`SELECT name FROM sqlite_master WHERE type = 'trigger'`)).toEqual([]);
      contracted.close();
      // Why the contract waits: release N's code fails on the contracted schema (afterEach closes it).
      previousDb = await openWorkerDatabase({ worker: "users", dataDir: dir, schema: previousSchema, migrationsFolder: migrationsFolder({ contract: "marked" }) });
      expect(() => previous.getUser(previousDb.db, ann.id)).toThrow(/no such column/);
    });
  });
});
