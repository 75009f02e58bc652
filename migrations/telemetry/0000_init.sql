CREATE TABLE `spans` (
	`trace_id` text NOT NULL,
	`span_id` text NOT NULL,
	`parent_span_id` text,
	`service` text NOT NULL,
	`name` text NOT NULL,
	`kind` integer NOT NULL,
	`start_us` integer NOT NULL,
	`duration_us` integer NOT NULL,
	`status_code` integer NOT NULL,
	`status_message` text,
	`attributes` text NOT NULL,
	`events` text NOT NULL,
	PRIMARY KEY(`trace_id`, `span_id`)
);
--> statement-breakpoint
CREATE TABLE `trace_services` (
	`service` text NOT NULL,
	`trace_id` text NOT NULL,
	`start_us` integer NOT NULL,
	PRIMARY KEY(`service`, `trace_id`)
);
--> statement-breakpoint
CREATE INDEX `trace_services_trace` ON `trace_services` (`trace_id`);--> statement-breakpoint
CREATE INDEX `trace_services_start` ON `trace_services` (`service`,`start_us`);--> statement-breakpoint
CREATE TABLE `traces` (
	`trace_id` text PRIMARY KEY NOT NULL,
	`start_us` integer NOT NULL,
	`end_us` integer NOT NULL,
	`duration_ms` real NOT NULL,
	`span_count` integer NOT NULL,
	`error_count` integer NOT NULL,
	`name` text,
	`service` text,
	`has_root` integer NOT NULL,
	`correlation_id` text,
	`order_id` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `traces_start` ON `traces` (`start_us`);--> statement-breakpoint
CREATE INDEX `traces_correlation` ON `traces` (`correlation_id`);--> statement-breakpoint
CREATE INDEX `traces_order` ON `traces` (`order_id`);--> statement-breakpoint
CREATE INDEX `traces_errors` ON `traces` (`error_count`,`start_us`);--> statement-breakpoint
CREATE INDEX `traces_duration` ON `traces` (`duration_ms`);--> statement-breakpoint
CREATE INDEX `traces_received` ON `traces` (`received_at`);