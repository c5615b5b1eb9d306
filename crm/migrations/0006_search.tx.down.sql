DROP INDEX orders_organization_created_idx;
DROP INDEX customers_name_trgm_idx;
DROP INDEX opportunities_name_trgm_idx;
DROP INDEX opportunities_number_trgm_idx;
-- Fails, rather than dropping them, if other objects came to depend on it.
DROP EXTENSION IF EXISTS pg_trgm;
