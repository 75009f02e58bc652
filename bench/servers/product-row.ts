/** catalog's Product JSON from a raw `products` row, as its `get` answers: the same work for every baseline of the benches. */
export function productOfRow(row: Record<string, any>) {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    attributes: JSON.parse(row.attributes),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    inStock: row.in_stock === null ? null : Boolean(row.in_stock),
  };
}
