DROP TABLE changes;
DROP FUNCTION changes_append_only();
