-- Migrate reads (release N+2): code now reads display_name, and still writes both columns.
-- Release N (writes only `name`) may still be running during the rollout, or come back on a
-- rollback: the trigger fills display_name for its inserts, and the catch-up backfill covers the
-- rows it wrote between the expand step and this one. The contract step drops the trigger with
-- the column (docs/expand-contract.md).
CREATE TRIGGER IF NOT EXISTS `users_display_name_from_name` AFTER INSERT ON `users`
FOR EACH ROW WHEN new.`display_name` IS NULL
BEGIN
  UPDATE `users` SET `display_name` = new.`name` WHERE `id` = new.`id`;
END;--> statement-breakpoint
UPDATE `users` SET `display_name` = `name` WHERE `display_name` IS NULL;
