-- Expand: where users remembers the Idempotency-Key of each keyed registration (shared/idempotency.ts).
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`resource_id` text NOT NULL,
	`request_fingerprint` text NOT NULL,
	`created_at` integer NOT NULL
);
