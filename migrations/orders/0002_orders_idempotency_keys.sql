-- Expand: orders remembers each Idempotency-Key in idempotency_keys (shared/idempotency.ts), as
-- users and catalog do, instead of in its own orders.idempotency_key column. Code now reads the
-- table and still writes both. The previous release (which reads and writes only the column)
-- may still run during the rollout or come back on a rollback: the trigger remembers its keyed
-- inserts, and the backfill the keys placed before this step. Their fingerprints are in the old
-- format, so such a key sent again after the upgrade is refused (409) rather than answered with
-- its order: never a second order. The contract step drops the trigger and the two columns.
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`resource_id` text NOT NULL,
	`request_fingerprint` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER IF NOT EXISTS `orders_idempotency_key_remembered` AFTER INSERT ON `orders`
FOR EACH ROW WHEN new.`idempotency_key` IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO `idempotency_keys` (`key`, `resource_id`, `request_fingerprint`, `created_at`)
  VALUES (new.`idempotency_key`, new.`id`, coalesce(new.`request_fingerprint`, ''), CAST((julianday(new.`created_at`) - 2440587.5) * 86400000 AS INTEGER));
END;--> statement-breakpoint
INSERT OR IGNORE INTO `idempotency_keys` (`key`, `resource_id`, `request_fingerprint`, `created_at`)
SELECT `idempotency_key`, `id`, coalesce(`request_fingerprint`, ''), CAST((julianday(`created_at`) - 2440587.5) * 86400000 AS INTEGER)
FROM `orders` WHERE `idempotency_key` IS NOT NULL;
