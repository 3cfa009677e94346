-- What `--central` needs beyond 001: the journal for `export movements --central`, and a
-- `trace serial --central` that says what a station says.
--
-- Central `export movements`: every station's journal in the columns of a station's own
-- export (src/store/reports.rs, ExportMovement), in the centre's order (gseq, then id within
-- a group), a page at a time: the client asks for the rows after the last (gseq, id) it got,
-- so a journal of millions of movements never sits in memory on either side.
--
-- Like the other read functions: SECURITY DEFINER with a fixed search_path, so a station's
-- role reads the whole warehouse's journal without any privilege on the tables.

CREATE FUNCTION movement_rows(p_after_gseq bigint, p_after_id uuid, p_max integer)
RETURNS TABLE (gseq bigint, id uuid, grp uuid, at text, station text, operator text, kind text,
               document text, sku text, lot text, serial text, qty integer, from_loc text,
               to_loc text, partner text, reverses uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
    SELECT m.gseq, m.id, m.scan_id, to_char(m.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), m.station,
           sc.operator, m.kind, m.document, m.sku, m.lot, m.serial, m.qty, m.from_loc, m.to_loc,
           m.partner, m.reverses
    FROM movements m JOIN scans sc ON sc.id = m.scan_id
    -- Spelled out rather than as a row comparison, so that the index on gseq serves it.
    WHERE m.gseq >= p_after_gseq AND (m.gseq > p_after_gseq OR m.id > p_after_id)
    ORDER BY m.gseq, m.id
    LIMIT least(greatest(p_max, 0), 10000)
$$;
REVOKE EXECUTE ON FUNCTION movement_rows(bigint, uuid, integer) FROM PUBLIC;

-- Stations added before this migration may read the journal too …
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT s.role FROM stations s LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION scantrail.movement_rows(bigint, uuid, integer) TO %I', r.role);
    END LOOP;
END $$;

-- … and so may every station added from now on: station_add as in 001, with movement_rows
-- among its functions.
CREATE OR REPLACE FUNCTION station_add(p_name text, p_role text, p_connections integer, p_timeout text)
RETURNS text
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    v_password text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
BEGIN
    IF EXISTS (SELECT 1 FROM stations WHERE name = p_name) THEN
        RAISE EXCEPTION 'scantrail:station_exists: station % already has a role at this centre', p_name;
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT PASSWORD %L CONNECTION LIMIT %s', p_role, v_password, p_connections);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', p_role, p_timeout);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_role, p_timeout);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), p_role);
    EXECUTE format('GRANT USAGE ON SCHEMA scantrail TO %I', p_role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION scantrail.push(uuid, bigint, jsonb), scantrail.pull(bigint, integer), '
                   'scantrail.stock_rows(text, text, text), scantrail.conflict_list(), '
                   'scantrail.serial_trace(text, text), scantrail.lot_trace(text, text), '
                   'scantrail.movement_rows(bigint, uuid, integer) TO %I', p_role);
    INSERT INTO stations (name, role) VALUES (p_name, p_role);
    RETURN v_password;
END $$;

-- serial_trace as in 001, with two corrections so that `trace serial --central` says what a
-- station's own `trace serial` says: a shipment goes to its partner and a return comes from
-- one (`to`/`from` fall back to the partner, as at a station), and the "never scanned"
-- message names the serial as a station does, without a stray space. A product the central
-- catalog does not know yet (its movements are taken in all the same) has an empty name, as
-- the shape's `name` is a text.
CREATE OR REPLACE FUNCTION serial_trace(p_serial text, p_sku text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
    v_skus text[];
    v_sku text;
    v_result jsonb;
BEGIN
    SELECT array_agg(DISTINCT m.sku ORDER BY m.sku) INTO v_skus FROM movements m
    WHERE m.serial = p_serial AND (p_sku IS NULL OR m.sku = p_sku);
    IF v_skus IS NULL THEN
        RAISE EXCEPTION 'scantrail:not_found: no serial ''%''% has ever been scanned at any station', p_serial,
            CASE WHEN p_sku IS NULL THEN '' ELSE format(' of SKU ''%s''', p_sku) END;
    END IF;
    IF cardinality(v_skus) > 1 THEN
        RAISE EXCEPTION 'scantrail:not_found: serial ''%'' belongs to several products (%); name one with --product',
            p_serial, array_to_string(v_skus, ', ');
    END IF;
    v_sku := v_skus[1];
    SELECT jsonb_build_object(
        'product', jsonb_build_object('sku', v_sku, 'name', coalesce((SELECT p.name FROM products p WHERE p.sku = v_sku), '')),
        'serial', p_serial,
        'lot', coalesce(s.lot, (SELECT m.lot FROM movements m WHERE m.sku = v_sku AND m.serial = p_serial
                                ORDER BY m.gseq DESC, m.id DESC LIMIT 1)),
        'status', s.status,
        'location', s.location,
        'history', (SELECT jsonb_agg(jsonb_build_object(
                        'at', to_char(m.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'kind', m.kind,
                        'from', coalesce(m.from_loc, m.partner), 'to', coalesce(m.to_loc, m.partner),
                        'document', m.document, 'partner', m.partner,
                        'station', m.station, 'operator', sc.operator) ORDER BY m.gseq, m.id)
                    FROM movements m JOIN scans sc ON sc.id = m.scan_id
                    WHERE m.sku = v_sku AND m.serial = p_serial))
    INTO v_result
    FROM (SELECT 1) AS one LEFT JOIN serials s ON s.sku = v_sku AND s.serial = p_serial;
    RETURN v_result;
END $$;

-- lot_trace as in 001, its "no such lot" message quoting SKU and lot as a station does, and
-- an empty name for a product the central catalog does not know yet.
CREATE OR REPLACE FUNCTION lot_trace(p_sku text, p_lot text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp AS $$
DECLARE
    l lots;
    v_result jsonb;
BEGIN
    SELECT * INTO l FROM lots WHERE sku = p_sku AND code = p_lot;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scantrail:not_found: SKU ''%'' has no lot ''%'' at any station', p_sku, p_lot;
    END IF;
    WITH t AS (
        SELECT m.kind, m.document, m.partner, m.qty::bigint AS qty FROM movements m
        WHERE m.sku = p_sku AND m.lot = p_lot AND m.kind <> 'reversal'
        UNION ALL
        SELECT o.kind, o.document, o.partner, -r.qty::bigint FROM movements r JOIN movements o ON o.id = r.reverses
        WHERE r.sku = p_sku AND r.lot = p_lot AND r.kind = 'reversal'
    ), g AS (
        SELECT t.kind, t.document, t.partner, sum(t.qty) AS qty FROM t
        WHERE t.kind IN ('receive', 'ship', 'return')
        GROUP BY 1, 2, 3 HAVING sum(t.qty) <> 0
    )
    SELECT jsonb_build_object(
        'product', jsonb_build_object('sku', p_sku, 'name', coalesce((SELECT p.name FROM products p WHERE p.sku = p_sku), '')),
        'lot', p_lot, 'expiry', l.expiry, 'status', l.status,
        'received', coalesce((SELECT sum(g.qty) FROM g WHERE g.kind = 'receive'), 0),
        'on_hand', coalesce((SELECT jsonb_agg(jsonb_build_object('location', s.location, 'qty', s.qty) ORDER BY s.location)
                             FROM stock s WHERE s.sku = p_sku AND s.lot = p_lot AND s.qty <> 0), '[]'::jsonb),
        'shipped', coalesce((SELECT jsonb_agg(jsonb_build_object('document', g.document, 'partner', g.partner, 'qty', g.qty)
                                              ORDER BY g.document, g.partner)
                             FROM g WHERE g.kind = 'ship'), '[]'::jsonb),
        'returned', coalesce((SELECT jsonb_agg(jsonb_build_object('document', g.document, 'partner', g.partner, 'qty', g.qty)
                                               ORDER BY g.document, g.partner)
                              FROM g WHERE g.kind = 'return'), '[]'::jsonb))
    INTO v_result;
    RETURN v_result;
END $$;
