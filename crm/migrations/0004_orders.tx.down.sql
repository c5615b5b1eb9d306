DROP TABLE order_number_counters;
DROP TABLE order_items;
DROP TABLE orders;
