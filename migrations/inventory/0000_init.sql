CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`subject` text NOT NULL,
	`aggregate_id` text NOT NULL,
	`envelope` text NOT NULL,
	`correlation_id` text NOT NULL,
	`traceparent` text,
	`tracestate` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`sent_at`,`seq`);--> statement-breakpoint
CREATE TABLE `reservation_lines` (
	`order_id` text NOT NULL,
	`position` integer NOT NULL,
	`product_id` text NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`order_id`, `position`),
	FOREIGN KEY (`order_id`) REFERENCES `reservations`(`order_id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "reservation_lines_quantity_positive" CHECK("reservation_lines"."quantity" >= 1)
);
--> statement-breakpoint
CREATE TABLE `reservations` (
	`order_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`failure` text,
	CONSTRAINT "reservations_status_known" CHECK("reservations"."status" in ('RESERVED', 'RELEASED', 'COMMITTED', 'REJECTED'))
);
--> statement-breakpoint
CREATE INDEX `reservations_created` ON `reservations` (`created_at`,`order_id`);--> statement-breakpoint
CREATE TABLE `stock` (
	`product_id` text PRIMARY KEY NOT NULL,
	`on_hand` integer DEFAULT 0 NOT NULL,
	`reserved` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "stock_on_hand_not_negative" CHECK("stock"."on_hand" >= 0),
	CONSTRAINT "stock_reserved_not_negative" CHECK("stock"."reserved" >= 0),
	CONSTRAINT "stock_reserved_within_on_hand" CHECK("stock"."reserved" <= "stock"."on_hand")
);
