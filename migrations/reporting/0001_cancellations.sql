ALTER TABLE `customer_stats` ADD `cancelled_orders` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `customer_stats` ADD `refunded_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `revenue_by_day` ADD `refunded_cents` integer DEFAULT 0 NOT NULL;