CREATE TABLE `sales_totals` (
	`id` integer PRIMARY KEY NOT NULL,
	`orders` integer DEFAULT 0 NOT NULL,
	`units` integer DEFAULT 0 NOT NULL,
	`revenue_cents` integer DEFAULT 0 NOT NULL,
	`refunded_cents` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sales_by_product_revenue` ON `sales_by_product` (`revenue_cents`,`product_id`);--> statement-breakpoint
-- The totals follow revenue_by_day by trigger, in the transaction that writes a day: the previous
-- release (which sums the days and knows nothing of the totals) may still be applying events
-- during a rolling release, and its writes count too. Each trigger upserts row 1, so a rebuild
-- that cleared both tables starts the totals again from its first event.
CREATE TRIGGER IF NOT EXISTS `sales_totals_insert` AFTER INSERT ON `revenue_by_day`
BEGIN
  INSERT INTO `sales_totals` (`id`, `orders`, `units`, `revenue_cents`, `refunded_cents`)
  VALUES (1, new.`orders`, new.`units`, new.`revenue_cents`, new.`refunded_cents`)
  ON CONFLICT (`id`) DO UPDATE SET
    `orders` = `orders` + excluded.`orders`,
    `units` = `units` + excluded.`units`,
    `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`,
    `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
END;--> statement-breakpoint
CREATE TRIGGER IF NOT EXISTS `sales_totals_update` AFTER UPDATE ON `revenue_by_day`
BEGIN
  INSERT INTO `sales_totals` (`id`, `orders`, `units`, `revenue_cents`, `refunded_cents`)
  VALUES (1, new.`orders` - old.`orders`, new.`units` - old.`units`, new.`revenue_cents` - old.`revenue_cents`, new.`refunded_cents` - old.`refunded_cents`)
  ON CONFLICT (`id`) DO UPDATE SET
    `orders` = `orders` + excluded.`orders`,
    `units` = `units` + excluded.`units`,
    `revenue_cents` = `revenue_cents` + excluded.`revenue_cents`,
    `refunded_cents` = `refunded_cents` + excluded.`refunded_cents`;
END;--> statement-breakpoint
CREATE TRIGGER IF NOT EXISTS `sales_totals_delete` AFTER DELETE ON `revenue_by_day`
BEGIN
  UPDATE `sales_totals` SET
    `orders` = `orders` - old.`orders`,
    `units` = `units` - old.`units`,
    `revenue_cents` = `revenue_cents` - old.`revenue_cents`,
    `refunded_cents` = `refunded_cents` - old.`refunded_cents`
  WHERE `id` = 1;
END;--> statement-breakpoint
-- Backfill: the totals of the days already there.
INSERT INTO `sales_totals` (`id`, `orders`, `units`, `revenue_cents`, `refunded_cents`)
SELECT 1, coalesce(sum(`orders`), 0), coalesce(sum(`units`), 0), coalesce(sum(`revenue_cents`), 0), coalesce(sum(`refunded_cents`), 0) FROM `revenue_by_day`;
