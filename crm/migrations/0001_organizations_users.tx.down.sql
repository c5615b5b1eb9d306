DROP TABLE custom_fields;
DROP TABLE mapping_preferences;
DROP TABLE users;
DROP TABLE organizations;
