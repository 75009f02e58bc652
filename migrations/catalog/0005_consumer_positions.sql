CREATE TABLE `consumer_positions` (
	`consumer` text NOT NULL,
	`stream` text NOT NULL,
	`last_sequence` integer NOT NULL,
	`last_event_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `stream`)
);
