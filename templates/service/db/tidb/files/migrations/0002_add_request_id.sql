-- CreateItem's idempotency key: a retried create with the same request_id finds the item the first
-- one stored (unique), instead of storing a second. NULL (no key) may repeat. One statement (TiDB
-- runs several changes in one ALTER TABLE since 6.2), so a failure leaves nothing half-applied.
ALTER TABLE items ADD COLUMN request_id CHAR(36) NULL, ADD UNIQUE KEY items_request_id (request_id);
