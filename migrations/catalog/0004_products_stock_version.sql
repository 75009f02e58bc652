-- Expand: the version of the inventory level in_stock was last set from, so an older level arriving
-- late is not applied over a newer one. Null for every product until a versioned level arrives.
ALTER TABLE `products` ADD `stock_version` integer;