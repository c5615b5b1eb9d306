-- The change log: who changed which order or opportunity, when, what
-- (changes is {"field": {"before": ..., "after": ...}}) and why.
-- It is append-only: rows are inserted, never updated or deleted.

CREATE TABLE changes (
    id              bigserial PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    object_type     text NOT NULL CHECK (object_type IN ('order', 'opportunity')),
    object_id       uuid NOT NULL,
    user_id         uuid NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    reason          text NOT NULL CHECK (reason <> ''),
    changes         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(changes) = 'object'),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
);

CREATE INDEX changes_object_idx ON changes (object_type, object_id, at DESC);

CREATE FUNCTION changes_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the change log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER changes_append_only
    BEFORE UPDATE OR DELETE ON changes
    FOR EACH ROW EXECUTE FUNCTION changes_append_only();

CREATE TRIGGER changes_no_truncate
    BEFORE TRUNCATE ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION changes_append_only();
