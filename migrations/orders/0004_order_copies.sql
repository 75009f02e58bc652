CREATE TABLE `consumer_positions` (
	`consumer` text NOT NULL,
	`stream` text NOT NULL,
	`last_sequence` integer NOT NULL,
	`last_event_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `stream`)
);
--> statement-breakpoint
CREATE TABLE `customer_copies` (
	`id` text PRIMARY KEY NOT NULL,
	`sequence` integer
);
--> statement-breakpoint
CREATE TABLE `product_copies` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price_cents` integer NOT NULL,
	`changed_at` integer NOT NULL,
	`sequence` integer
);
