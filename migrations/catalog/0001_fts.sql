-- Full-text search over products (FTS5), kept in step by triggers so every write path keeps it right.
-- product_search_rows gives each product a stable integer key for the FTS rowid: products' own
-- rowid is not stable (VACUUM may renumber a table without an INTEGER PRIMARY KEY), and looking a
-- product up by an UNINDEXED FTS column would scan the whole index on every update.
CREATE TABLE `product_search_rows` (
	`search_rowid` integer PRIMARY KEY,
	`product_id` text NOT NULL UNIQUE
);
--> statement-breakpoint
-- attribute_values holds the attribute values (nested ones too) flattened to text; keys are not indexed.
CREATE VIRTUAL TABLE `products_fts` USING fts5(
	name, description, sku, attribute_values,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
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
--> statement-breakpoint
-- Index whatever products exist already (none on a fresh database).
INSERT INTO product_search_rows (product_id) SELECT id FROM products ORDER BY id;
--> statement-breakpoint
INSERT INTO products_fts (rowid, name, description, sku, attribute_values)
SELECT r.search_rowid, p.name, p.description, p.sku,
	(SELECT group_concat(value, ' ') FROM json_tree(p.attributes) WHERE type IN ('text', 'integer', 'real'))
FROM products p JOIN product_search_rows r ON r.product_id = p.id;
