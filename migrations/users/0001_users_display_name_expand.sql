-- Expand (release N+1): users.name is being renamed to display_name. The column is added
-- nullable so release N's inserts (which name only `name`) keep working, and filled from name.
ALTER TABLE `users` ADD `display_name` text;--> statement-breakpoint
UPDATE `users` SET `display_name` = `name` WHERE `display_name` IS NULL;
