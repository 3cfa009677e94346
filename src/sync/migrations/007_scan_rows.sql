-- The scan log for `export scans --central`: every station's scans, whatever their outcome,
-- in the centre's order, in the columns of a station's own export (src/store/reports.rs,
-- ExportScan), a page at a time: the client asks for the scans after the last gseq it got.
-- Like the other read functions: SECURITY DEFINER with a fixed search_path, so a station's
-- role reads the log without any privilege on the table.

CREATE FUNCTION scan_rows(p_after_gseq bigint, p_max integer)
RETURNS TABLE (gseq bigint, id uuid, at text, station text, operator text, device text, raw text,
               outcome text, message text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
    SELECT sc.gseq, sc.id, to_char(sc.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sc.station,
           sc.operator, sc.device, sc.raw, sc.outcome, sc.message
    FROM scans sc
    WHERE sc.gseq > p_after_gseq
    ORDER BY sc.gseq
    LIMIT least(greatest(p_max, 0), 10000)
$$;
REVOKE EXECUTE ON FUNCTION scan_rows(bigint, integer) FROM PUBLIC;

-- Stations added before this migration may read the scan log too …
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT s.role FROM stations s LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION scantrail.scan_rows(bigint, integer) TO %I', r.role);
    END LOOP;
END $$;

-- … and so may every station added from now on: station_add as in 005, with scan_rows
-- among its functions.
CREATE OR REPLACE FUNCTION station_add(p_name text, p_role text, p_connections integer, p_timeout text, p_verifier text)
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
                   'scantrail.movement_rows(bigint, uuid, integer), '
                   'scantrail.scan_rows(bigint, integer), '
                   'scantrail.epcis_movements(bigint, uuid, integer, timestamptz, text, text, text), '
                   'scantrail.epcis_lot_changes(timestamptz, text, text, text) TO %I', p_role);
    INSERT INTO stations (name, role) VALUES (p_name, p_role);
END $$;
