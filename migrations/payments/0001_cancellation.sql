CREATE TABLE `inbox` (
	`consumer` text NOT NULL,
	`event_id` text NOT NULL,
	`subject` text NOT NULL,
	`handled_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `inbox_handled_at` ON `inbox` (`handled_at`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`order_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`refunded_at` text NOT NULL,
	CONSTRAINT "refunds_amount_positive" CHECK("refunds"."amount_cents" >= 1)
);
--> statement-breakpoint
CREATE INDEX `refunds_customer` ON `refunds` (`customer_id`);