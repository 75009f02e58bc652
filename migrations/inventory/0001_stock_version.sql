-- Expand: each stock row's version, bumped on every change and carried in the events' levels so a
-- consumer can tell a newer level from an older one. Rows already here start at 0.
ALTER TABLE `stock` ADD `version` integer DEFAULT 0 NOT NULL;