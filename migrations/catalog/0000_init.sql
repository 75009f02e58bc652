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
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`sku` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`price_cents` integer NOT NULL,
	`attributes` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`in_stock` integer,
	CONSTRAINT "products_price_cents_not_negative" CHECK("products"."price_cents" >= 0),
	CONSTRAINT "products_attributes_object" CHECK(json_valid("products"."attributes") AND json_type("products"."attributes") = 'object')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_sku_unique` ON `products` (`sku`);