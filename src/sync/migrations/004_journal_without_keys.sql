-- The foreign keys of the scan log, the journal and the feed (to `stations`, and of a
-- movement to its scan) go, and so does the index of movements by scan (docs/architecture.md,
-- "Many stations"). They cost a quarter of a push — each is a probe of another table's index
-- per row, four per serial receipt — and what they guarded holds by construction: these
-- tables are written only by push (and the feed by the catalog functions), SECURITY DEFINER
-- functions that station roles may call but whose tables they may not touch; push takes
-- the station from the row of `stations` it locks and writes a group's scan and its
-- movements in one transaction; no station is ever deleted, and nothing deletes a scan.
-- Every join from a movement to its scan uses the scan's primary key, so the index by scan
-- served no query.
ALTER TABLE movements DROP CONSTRAINT movements_scan_id_fkey,
                      DROP CONSTRAINT movements_station_fkey;
ALTER TABLE scans DROP CONSTRAINT scans_station_fkey;
ALTER TABLE feed DROP CONSTRAINT feed_station_fkey;
DROP INDEX movements_by_scan;

-- A station's password never reaches the centre: `central station add` makes it and hands
-- the centre only its SCRAM-SHA-256 verifier (as psql's \password does), so no statement
-- log, audit log or error report at the centre can show it. A plain password is refused.
DROP FUNCTION station_add(text, text, integer, text);
CREATE FUNCTION station_add(p_name text, p_role text, p_connections integer, p_timeout text, p_verifier text)
RETURNS void
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
BEGIN
    IF p_verifier IS NULL OR p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'scantrail:bad_verifier: station_add takes the SCRAM-SHA-256 verifier of the password, never the password';
    END IF;
    IF EXISTS (SELECT 1 FROM stations WHERE name = p_name) THEN
        RAISE EXCEPTION 'scantrail:station_exists: station % already has a role at this centre', p_name;
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT PASSWORD %L CONNECTION LIMIT %s', p_role, p_verifier, p_connections);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_role, p_timeout);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_role, p_timeout);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_role);
    EXECUTE format('GRANT USAGE ON SCHEMA scantrail TO %I', p_role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION scantrail.push(uuid, bigint, jsonb), scantrail.pull(bigint, integer), '
                   'scantrail.stock_rows(text, text, text), scantrail.conflict_list(), '
                   'scantrail.serial_trace(text, text), scantrail.lot_trace(text, text), '
                   'scantrail.movement_rows(bigint, uuid, integer) TO %I', p_role);
    INSERT INTO stations (name, role) VALUES (p_name, p_role);
END $$;
REVOKE EXECUTE ON FUNCTION station_add(text, text, integer, text, text) FROM PUBLIC;
