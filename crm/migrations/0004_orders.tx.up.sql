-- Orders, their items, and the counters their numbers come from.

CREATE TABLE orders (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    number           text NOT NULL CHECK (number <> ''),
    title            text NOT NULL DEFAULT '',
    customer_id      uuid NOT NULL,
    contact_name     text NOT NULL DEFAULT '',
    currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    order_date       date NOT NULL DEFAULT current_date,
    delivery_date    date,
    shipping_address text NOT NULL DEFAULT '',
    billing_address  text NOT NULL DEFAULT '',
    payment_terms    text NOT NULL DEFAULT '',
    notes            text NOT NULL DEFAULT '',
    custom           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom) = 'object'),
    status           text NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'confirmed', 'shipped', 'cancelled')),
    -- the opportunity the order came from; set at conversion, or linked later
    opportunity_id   uuid,
    created_by       uuid NOT NULL,
    -- the conversion (workflow id and run id) that wrote the order: a retried
    -- save finds the order here instead of writing a second one
    conversion_key   text CONSTRAINT orders_conversion_key_key UNIQUE,
    subtotal         numeric(18, 4) NOT NULL DEFAULT 0,
    tax_total        numeric(18, 4) NOT NULL DEFAULT 0,
    total            numeric(18, 4) NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_number_key UNIQUE (organization_id, number),
    UNIQUE (organization_id, id),
    FOREIGN KEY (organization_id, customer_id) REFERENCES customers (organization_id, id),
    FOREIGN KEY (organization_id, opportunity_id) REFERENCES opportunities (organization_id, id),
    FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
);

CREATE INDEX orders_opportunity_idx ON orders (opportunity_id) WHERE opportunity_id IS NOT NULL;

CREATE TABLE order_items (
    id                  uuid PRIMARY KEY,
    order_id            uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id          uuid REFERENCES products (id),
    description         text NOT NULL DEFAULT '',
    quantity            numeric(18, 4) NOT NULL CHECK (quantity > 0),
    unit_price          numeric(18, 4) NOT NULL CHECK (unit_price >= 0),
    discount_percent    numeric(7, 4) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    tax_rate            numeric(7, 4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0),
    line_total          numeric(18, 4) NOT NULL,
    -- the opportunity item the line came from: its quantity is taken from
    -- what remains of that item
    opportunity_item_id uuid REFERENCES opportunity_items (id) ON DELETE SET NULL,
    position            integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX order_items_order_idx ON order_items (order_id, position);
CREATE INDEX order_items_opportunity_item_idx ON order_items (opportunity_item_id)
    WHERE opportunity_item_id IS NOT NULL;

-- The last order number used per organization and year (SO-<year>-<last>).
CREATE TABLE order_number_counters (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    year            integer NOT NULL CHECK (year BETWEEN 1 AND 9999),
    last            integer NOT NULL CHECK (last >= 0),
    PRIMARY KEY (organization_id, year)
);
