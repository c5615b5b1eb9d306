-- Organizations and their users. Every other table belongs to an organization.

CREATE TABLE organizations (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    name            text NOT NULL CHECK (name <> ''),
    email           text NOT NULL CHECK (email LIKE '_%@_%'),
    role            text NOT NULL CHECK (role IN ('admin', 'member')),
    permissions     text[] NOT NULL DEFAULT '{}'
                    CHECK (permissions <@ ARRAY['order:create', 'order:update']::text[]),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- the target of composite foreign keys that keep references within one organization
    UNIQUE (organization_id, id)
);

-- One account per address, whatever its case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- The last field mapping each user accepted, proposed at their next conversion.
CREATE TABLE mapping_preferences (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    mapping    jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Organization-defined fields of opportunities and orders; their values live
-- in the custom jsonb column of those tables.
CREATE TABLE custom_fields (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    object          text NOT NULL CHECK (object IN ('opportunity', 'order')),
    name            text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
    type            text NOT NULL CHECK (type IN ('text', 'number', 'money', 'date', 'boolean')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, object, name)
);
