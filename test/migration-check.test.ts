/**
 * Expand/contract: every worker's committed migrations only expand their schema (or are marked
 * as contract steps), and the check refuses a fixture migration that drops a column unmarked.
 */
import { describe, expect, it } from "vitest";
import { appendFileSync, cpSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { checkMigrationsFolder, contractMark, findBreakingChanges, findBreakingSql, type SchemaSnapshot } from "../shared/mesh/migration-check";
import { repoRoot, tempDir } from "./support/processes";

const fixture = join(repoRoot, "test", "fixtures", "migrations-drop-column");
const workersWithMigrations = readdirSync(join(repoRoot, "migrations"));

function snapshotOf(columns: Record<string, { type: string; notNull: boolean; default?: unknown }>): SchemaSnapshot {
  return { tables: { notes: { name: "notes", columns: Object.fromEntries(Object.entries(columns).map(([name, column]) => [name, { name, ...column }])) } } };
}
const base = snapshotOf({ id: { type: "text", notNull: true }, body: { type: "text", notNull: false } });

describe("migration check (expand/contract)", () => {
  it.each(workersWithMigrations)("migrations/%s only expands, or marks its contract steps", (worker) => {
    const results = checkMigrationsFolder(join(repoRoot, "migrations", worker));
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((result) => result.problems.length > 0)).toEqual([]);
  });

  it("refuses an unmarked migration that drops a column, naming it", () => {
    const [init, drop] = checkMigrationsFolder(fixture);
    expect(init).toEqual({ migration: "0000_init", contract: false, problems: [] });
    expect(drop!.migration).toBe("0001_drop_note");
    expect(drop!.problems).toEqual(["column notes.note is dropped or renamed", "drop column note on table notes"]);
  });

  it("accepts the same drop once marked as a contract step", () => {
    const copy = tempDir("contract");
    cpSync(fixture, copy, { recursive: true });
    appendFileSync(join(copy, "0001_drop_note.sql"), `${contractMark}\n`);
    expect(checkMigrationsFolder(copy)[1]).toEqual({ migration: "0001_drop_note", contract: true, problems: [] });
  });

  it("refuses a new NOT NULL column without a default, a column made NOT NULL, and a changed type", () => {
    expect(findBreakingChanges(base, snapshotOf({ id: { type: "text", notNull: true }, body: { type: "text", notNull: false }, kind: { type: "text", notNull: true } }))).toEqual([
      "new column notes.kind is NOT NULL without a default: the previous code's inserts would fail",
    ]);
    expect(findBreakingChanges(base, snapshotOf({ id: { type: "text", notNull: true }, body: { type: "text", notNull: true } }))).toEqual(["column notes.body becomes NOT NULL"]);
    expect(findBreakingChanges(base, snapshotOf({ id: { type: "integer", notNull: true }, body: { type: "text", notNull: false } }))).toEqual([
      "column notes.id changes type from text to integer",
    ]);
  });

  it("accepts expansions: a nullable column, a NOT NULL column with a default, a new table", () => {
    const expanded: SchemaSnapshot = {
      tables: {
        ...snapshotOf({
          id: { type: "text", notNull: true },
          body: { type: "text", notNull: false },
          tag: { type: "text", notNull: false },
          n: { type: "integer", notNull: true, default: 0 },
        }).tables,
        tags: { name: "tags", columns: { id: { name: "id", type: "text", notNull: true } } },
      },
    };
    expect(findBreakingChanges(base, expanded)).toEqual([]);
  });

  it("reads hand-written SQL: drops and renames are refused, drizzle's table rebuild is not a drop", () => {
    expect(findBreakingSql("DROP TABLE `notes`;\n")).toEqual(["drops table notes"]);
    expect(findBreakingSql("ALTER TABLE `notes` RENAME COLUMN `body` TO `text`;\n")).toEqual(["rename column body on table notes"]);
    expect(findBreakingSql("-- tidy up\nALTER TABLE `users` DROP COLUMN `name`;\n")).toEqual(["drop column name on table users"]);
    const rebuild = [
      "CREATE TABLE `__new_notes` (`id` text PRIMARY KEY NOT NULL, `body` text);",
      'INSERT INTO `__new_notes`("id", "body") SELECT "id", "body" FROM `notes`;',
      "DROP TABLE `notes`;",
      "ALTER TABLE `__new_notes` RENAME TO `notes`;",
    ].join("--> statement-breakpoint\n");
    expect(findBreakingSql(rebuild)).toEqual([]);
  });
});
