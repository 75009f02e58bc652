ALTER TABLE `accounts` ADD `authorized_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `captured_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `refunded_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The totals follow the payments and refunds rows by trigger, in the transaction that writes them:
-- the previous release (which sums the history and knows nothing of the totals) may still be
-- writing during a rolling release or after a rollback, and its rows count too. A customer with
-- payments before any limit was set gets an account row at limit 0, which is what a missing row
-- meant. Payments change only status; amounts and customers are kept, and neither table has
-- rows deleted; the update trigger still moves amount and customer generally.
CREATE TRIGGER IF NOT EXISTS `payments_totals_insert` AFTER INSERT ON `payments`
FOR EACH ROW WHEN new.`status` IN ('AUTHORIZED', 'CAPTURED')
BEGIN
  INSERT INTO `accounts` (`customer_id`, `limit_cents`, `updated_at`, `authorized_cents`, `captured_cents`)
  VALUES (new.`customer_id`, 0, new.`updated_at`,
    CASE WHEN new.`status` = 'AUTHORIZED' THEN new.`amount_cents` ELSE 0 END,
    CASE WHEN new.`status` = 'CAPTURED' THEN new.`amount_cents` ELSE 0 END)
  ON CONFLICT (`customer_id`) DO UPDATE SET
    `authorized_cents` = `authorized_cents` + excluded.`authorized_cents`,
    `captured_cents` = `captured_cents` + excluded.`captured_cents`;
END;--> statement-breakpoint
CREATE TRIGGER IF NOT EXISTS `payments_totals_update` AFTER UPDATE OF `status`, `amount_cents`, `customer_id` ON `payments`
FOR EACH ROW WHEN old.`status` IN ('AUTHORIZED', 'CAPTURED') OR new.`status` IN ('AUTHORIZED', 'CAPTURED')
BEGIN
  UPDATE `accounts` SET
    `authorized_cents` = `authorized_cents` - CASE WHEN old.`status` = 'AUTHORIZED' THEN old.`amount_cents` ELSE 0 END,
    `captured_cents` = `captured_cents` - CASE WHEN old.`status` = 'CAPTURED' THEN old.`amount_cents` ELSE 0 END
  WHERE `customer_id` = old.`customer_id`;
  INSERT INTO `accounts` (`customer_id`, `limit_cents`, `updated_at`, `authorized_cents`, `captured_cents`)
  VALUES (new.`customer_id`, 0, new.`updated_at`,
    CASE WHEN new.`status` = 'AUTHORIZED' THEN new.`amount_cents` ELSE 0 END,
    CASE WHEN new.`status` = 'CAPTURED' THEN new.`amount_cents` ELSE 0 END)
  ON CONFLICT (`customer_id`) DO UPDATE SET
    `authorized_cents` = `authorized_cents` + excluded.`authorized_cents`,
    `captured_cents` = `captured_cents` + excluded.`captured_cents`;
END;--> statement-breakpoint
CREATE TRIGGER IF NOT EXISTS `refunds_totals_insert` AFTER INSERT ON `refunds`
FOR EACH ROW
BEGIN
  INSERT INTO `accounts` (`customer_id`, `limit_cents`, `updated_at`, `refunded_cents`)
  VALUES (new.`customer_id`, 0, new.`refunded_at`, new.`amount_cents`)
  ON CONFLICT (`customer_id`) DO UPDATE SET `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
END;--> statement-breakpoint
-- Backfill: an account row for every customer with history but no limit set, then each row's
-- totals from its history.
INSERT INTO `accounts` (`customer_id`, `limit_cents`, `updated_at`)
SELECT `customer_id`, 0, min(`at`) FROM (
  SELECT `customer_id`, `updated_at` AS `at` FROM `payments` WHERE `status` IN ('AUTHORIZED', 'CAPTURED')
  UNION ALL SELECT `customer_id`, `refunded_at` FROM `refunds`
) WHERE `customer_id` NOT IN (SELECT `customer_id` FROM `accounts`) GROUP BY `customer_id`;--> statement-breakpoint
UPDATE `accounts` SET
  `authorized_cents` = (SELECT coalesce(sum(`amount_cents`), 0) FROM `payments` WHERE `payments`.`customer_id` = `accounts`.`customer_id` AND `status` = 'AUTHORIZED'),
  `captured_cents` = (SELECT coalesce(sum(`amount_cents`), 0) FROM `payments` WHERE `payments`.`customer_id` = `accounts`.`customer_id` AND `status` = 'CAPTURED'),
  `refunded_cents` = (SELECT coalesce(sum(`amount_cents`), 0) FROM `refunds` WHERE `refunds`.`customer_id` = `accounts`.`customer_id`);
