CREATE TABLE `customer_stats` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`orders` integer NOT NULL,
	`spent_cents` integer NOT NULL,
	`first_order_at` text NOT NULL,
	`last_order_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inbox` (
	`consumer` text NOT NULL,
	`event_id` text NOT NULL,
	`subject` text NOT NULL,
	`handled_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `inbox_handled_at` ON `inbox` (`handled_at`);--> statement-breakpoint
CREATE TABLE `projection_positions` (
	`projection` text NOT NULL,
	`stream` text NOT NULL,
	`last_sequence` integer NOT NULL,
	`last_event_at` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`projection`, `stream`)
);
--> statement-breakpoint
CREATE TABLE `revenue_by_day` (
	`day` text PRIMARY KEY NOT NULL,
	`orders` integer NOT NULL,
	`units` integer NOT NULL,
	`revenue_cents` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sales_by_product` (
	`product_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`units` integer NOT NULL,
	`revenue_cents` integer NOT NULL
);
