-- Opportunities and their items (the opportunity's details).

CREATE TABLE opportunities (
    id                  uuid PRIMARY KEY,
    organization_id     uuid NOT NULL REFERENCES organizations (id),
    number              text NOT NULL CHECK (number <> ''),
    name                text NOT NULL CHECK (name <> ''),
    customer_id         uuid,
    contact_name        text NOT NULL DEFAULT '',
    owner_id            uuid NOT NULL,
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    currency            char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    expected_close_date date,
    amount              numeric(18, 4),
    description         text NOT NULL DEFAULT '',
    shipping_address    text NOT NULL DEFAULT '',
    billing_address     text NOT NULL DEFAULT '',
    payment_terms       text NOT NULL DEFAULT '',
    custom              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom) = 'object'),
    closed_at           timestamptz,
    closed_by           uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, number),
    UNIQUE (organization_id, id),
    -- customer, owner and closer belong to the opportunity's organization
    FOREIGN KEY (organization_id, customer_id) REFERENCES customers (organization_id, id),
    FOREIGN KEY (organization_id, owner_id) REFERENCES users (organization_id, id),
    FOREIGN KEY (organization_id, closed_by) REFERENCES users (organization_id, id),
    -- an open opportunity has not been closed
    CHECK (status <> 'open' OR (closed_at IS NULL AND closed_by IS NULL))
);

CREATE INDEX opportunities_owner_idx ON opportunities (organization_id, owner_id);
CREATE INDEX opportunities_customer_idx ON opportunities (organization_id, customer_id);

CREATE TABLE opportunity_items (
    id               uuid PRIMARY KEY,
    opportunity_id   uuid NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    product_id       uuid REFERENCES products (id),
    description      text NOT NULL DEFAULT '',
    quantity         numeric(18, 4) NOT NULL CHECK (quantity >= 0),
    unit_price       numeric(18, 4) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
    discount_percent numeric(7, 4) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    tax_rate         numeric(7, 4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0),
    position         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX opportunity_items_opportunity_idx ON opportunity_items (opportunity_id, position);
