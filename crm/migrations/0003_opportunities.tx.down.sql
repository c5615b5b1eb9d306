DROP TABLE opportunity_items;
DROP TABLE opportunities;
