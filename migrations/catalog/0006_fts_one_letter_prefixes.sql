-- The search index gains one-letter prefixes (prefix = '1 2 3'), so a one-letter last word ("red s")
-- is served by the index instead of walking the whole vocabulary. FTS5 cannot change its prefix
-- indexes in place: the index is built anew beside the old one from products (its source of truth),
-- then takes its name; the triggers that keep it in step (0001) go while it is renamed and come back
-- as they were.
CREATE VIRTUAL TABLE `__new_products_fts` USING fts5(
	name, description, sku, attribute_values,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '1 2 3'
);
--> statement-breakpoint
INSERT INTO __new_products_fts (rowid, name, description, sku, attribute_values)
SELECT r.search_rowid, p.name, p.description, p.sku,
	(SELECT group_concat(value, ' ') FROM json_tree(p.attributes) WHERE type IN ('text', 'integer', 'real'))
FROM products p JOIN product_search_rows r ON r.product_id = p.id;
--> statement-breakpoint
DROP TRIGGER `products_fts_after_insert`;
--> statement-breakpoint
DROP TRIGGER `products_fts_after_update`;
--> statement-breakpoint
DROP TRIGGER `products_fts_after_delete`;
--> statement-breakpoint
DROP TABLE `products_fts`;
--> statement-breakpoint
ALTER TABLE `__new_products_fts` RENAME TO `products_fts`;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_insert` AFTER INSERT ON `products` BEGIN
	INSERT INTO product_search_rows (product_id) VALUES (NEW.id);
	INSERT INTO products_fts (rowid, name, description, sku, attribute_values)
	VALUES (
		(SELECT search_rowid FROM product_search_rows WHERE product_id = NEW.id),
		NEW.name, NEW.description, NEW.sku,
		(SELECT group_concat(value, ' ') FROM json_tree(NEW.attributes) WHERE type IN ('text', 'integer', 'real'))
	);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_update` AFTER UPDATE OF name, description, sku, attributes ON `products` BEGIN
	UPDATE products_fts SET
		name = NEW.name,
		description = NEW.description,
		sku = NEW.sku,
		attribute_values = (SELECT group_concat(value, ' ') FROM json_tree(NEW.attributes) WHERE type IN ('text', 'integer', 'real'))
	WHERE rowid = (SELECT search_rowid FROM product_search_rows WHERE product_id = NEW.id);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_delete` AFTER DELETE ON `products` BEGIN
	DELETE FROM products_fts WHERE rowid = (SELECT search_rowid FROM product_search_rows WHERE product_id = OLD.id);
	DELETE FROM product_search_rows WHERE product_id = OLD.id;
END;
