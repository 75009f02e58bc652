CREATE TABLE `inbox` (
	`consumer` text NOT NULL,
	`event_id` text NOT NULL,
	`subject` text NOT NULL,
	`handled_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `inbox_handled_at` ON `inbox` (`handled_at`);--> statement-breakpoint
CREATE TABLE `stock_returns` (
	`order_id` text PRIMARY KEY NOT NULL,
	`returned_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `reservations`(`order_id`) ON UPDATE no action ON DELETE no action
);
