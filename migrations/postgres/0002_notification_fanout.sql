-- Live fan-out across instances: each notification remembers the transaction that
-- wrote it (so readers can take exactly the rows committed between two snapshots),
-- and every insert statement wakes the listeners of all instances at commit.
ALTER TABLE notifications ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX notifications_by_tx ON notifications(tx_id);

CREATE FUNCTION gauntlet_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gauntlet_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER notifications_wake_listeners AFTER INSERT ON notifications
    FOR EACH STATEMENT EXECUTE FUNCTION gauntlet_notify_events();
