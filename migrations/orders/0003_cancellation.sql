CREATE TABLE `cancellations` (
	`order_id` text PRIMARY KEY NOT NULL,
	`captured_cents` integer NOT NULL,
	`requested_at` integer NOT NULL,
	`stock_returned_at` integer,
	`refunded_at` integer,
	`refunded_cents` integer,
	`cancelled_at` integer,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `cancellations_open` ON `cancellations` (`requested_at`) WHERE cancelled_at is null;--> statement-breakpoint
CREATE TABLE `inbox` (
	`consumer` text NOT NULL,
	`event_id` text NOT NULL,
	`subject` text NOT NULL,
	`handled_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `inbox_handled_at` ON `inbox` (`handled_at`);