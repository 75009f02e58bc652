CREATE INDEX `sagas_updated` ON `sagas` (`updated_at`,`order_id`);--> statement-breakpoint
CREATE INDEX `sagas_state_updated` ON `sagas` (`state`,`updated_at`,`order_id`);