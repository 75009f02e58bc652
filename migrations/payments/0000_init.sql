CREATE TABLE `accounts` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`limit_cents` integer NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "accounts_limit_not_negative" CHECK("accounts"."limit_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE `early_voids` (
	`order_id` text PRIMARY KEY NOT NULL,
	`voided_at` text NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE `payments` (
	`order_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`status` text NOT NULL,
	`decline_reason` text,
	`declined_available_cents` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "payments_amount_positive" CHECK("payments"."amount_cents" >= 1),
	CONSTRAINT "payments_status_known" CHECK("payments"."status" in ('AUTHORIZED', 'CAPTURED', 'VOIDED', 'DECLINED'))
);
--> statement-breakpoint
CREATE INDEX `payments_customer` ON `payments` (`customer_id`,`status`);--> statement-breakpoint
CREATE INDEX `payments_created` ON `payments` (`created_at`,`order_id`);