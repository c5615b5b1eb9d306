-- Customers (accounts) and the product catalogue.

CREATE TABLE customers (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    name             text NOT NULL CHECK (name <> ''),
    shipping_address text NOT NULL DEFAULT '',
    billing_address  text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, id)
);

CREATE INDEX customers_organization_name_idx ON customers (organization_id, name);

CREATE TABLE products (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    sku             text NOT NULL CHECK (sku <> ''),
    name            text NOT NULL CHECK (name <> ''),
    unit            text NOT NULL DEFAULT '',
    price           numeric(18, 4) NOT NULL DEFAULT 0 CHECK (price >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, sku),
    UNIQUE (organization_id, id)
);
