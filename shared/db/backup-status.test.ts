import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backupHealthOf, backupStatusFile, recordBackupStatus } from "./backup-status";

const dataDir = () => mkdtempSync(join(tmpdir(), "bunmesh-backup-status-"));

describe("backupHealthOf", () => {
  it("says none before any backup, ok after one, failed with the reason after a failure", () => {
    const dir = dataDir();
    expect(backupHealthOf(dir, "payments")).toEqual({ status: "none" });
    recordBackupStatus(dir, "payments", { at: "2026-01-01T00:00:00.000Z", ok: true, file: "/b/p.db", error: null, intervalMs: null });
    expect(backupHealthOf(dir, "payments", Date.parse("2026-01-01T00:00:05.000Z"))).toEqual({
      status: "ok",
      at: "2026-01-01T00:00:00.000Z",
      ageMs: 5000,
      file: "/b/p.db",
      error: null,
    });
    recordBackupStatus(dir, "users", { at: "2026-01-01T00:00:00.000Z", ok: false, file: null, error: "ENOSPC", intervalMs: 60_000 });
    expect(backupHealthOf(dir, "users", Date.parse("2026-01-01T00:00:01.000Z"))).toMatchObject({ status: "failed", error: "ENOSPC" });
    // Recording one worker keeps the others.
    expect(backupHealthOf(dir, "payments").status).toBe("ok");
  });

  it("says overdue once the last good backup is older than twice its interval", () => {
    const dir = dataDir();
    recordBackupStatus(dir, "orders", { at: "2026-01-01T00:00:00.000Z", ok: true, file: "/b/o.db", error: null, intervalMs: 60_000 });
    expect(backupHealthOf(dir, "orders", Date.parse("2026-01-01T00:02:00.000Z")).status).toBe("ok");
    expect(backupHealthOf(dir, "orders", Date.parse("2026-01-01T00:02:00.001Z")).status).toBe("overdue");
  });

  it("treats a torn status file as no record instead of failing the health answer", () => {
    const dir = dataDir();
    mkdirSync(join(dir, "backups"), { recursive: true });
    writeFileSync(backupStatusFile(dir), '{"payments": {"at": ');
    expect(backupHealthOf(dir, "payments")).toEqual({ status: "none" });
  });
});
