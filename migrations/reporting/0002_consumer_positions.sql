CREATE TABLE `consumer_positions` (
	`consumer` text NOT NULL,
	`stream` text NOT NULL,
	`last_sequence` integer NOT NULL,
	`last_event_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `stream`)
);
--> statement-breakpoint
-- The positions recorded so far move over (projection_positions is no longer written): the same sequence, its time in ms.
INSERT INTO `consumer_positions` (`consumer`, `stream`, `last_sequence`, `last_event_at`, `updated_at`)
SELECT 'reporting-orders', `stream`, max(`last_sequence`), coalesce(CAST(round((julianday(max(`last_event_at`)) - 2440587.5) * 86400000) AS INTEGER), 0), max(`updated_at`)
FROM `projection_positions` GROUP BY `stream`;
