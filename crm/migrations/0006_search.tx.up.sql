-- Keyword search over opportunities (GET /v1/opportunities?q=...) and the
-- lists of orders and change-log entries.
--
-- Search matches a fragment anywhere in an opportunity's number, its name or
-- its customer's name, case-insensitively (ILIKE '%fragment%'). Trigram GIN
-- indexes serve that: full-text search cannot find "tech" in "Initech" or
-- "0042" in "OPP-000042", and a B-tree serves prefixes only. docs/search.md
-- has the measurements (GIN against GiST and no index, 100,000 rows).
--
-- The indexes block writes to their tables while they build, in the
-- migration's transaction (seconds for 100,000 rows). On a much larger table,
-- build them beforehand with CREATE INDEX CONCURRENTLY and the same
-- definitions: IF NOT EXISTS then keeps them.
--
-- pg_trgm ships with PostgreSQL (Debian's postgresql-15, the postgres images)
-- and is a trusted extension: the database's owner may create it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX IF NOT EXISTS opportunities_number_trgm_idx ON opportunities USING gin (number gin_trgm_ops);
CREATE INDEX IF NOT EXISTS opportunities_name_trgm_idx ON opportunities USING gin (name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);

-- GET /v1/orders lists an organization's orders newest first.
CREATE INDEX IF NOT EXISTS orders_organization_created_idx ON orders (organization_id, created_at DESC, id DESC);
