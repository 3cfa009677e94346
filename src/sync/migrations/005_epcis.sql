-- What `export epcis --central` reads (SPEC §9): every station's movements with what an EPCIS
-- event needs beyond `movement_rows` of 002 — the product's GTIN (a barcode of one unit that
-- is 14 digits), the document's kind, and for an undo the kind and time of the movement it
-- undoes — a page at a time in the centre's order (gseq, then id), filtered as the export
-- is: since a time, one product, one lot of it, or one serial. And the lots' quarantines and
-- releases from the central log, which refuses an unknown lot or serial as `trace` does, so
-- that a recall package of a mistyped lot is an error and not an empty document.
--
-- Read-only, SECURITY DEFINER with a fixed search_path, like the other read functions.

CREATE FUNCTION epcis_gtin(p_sku text) RETURNS text
LANGUAGE sql STABLE SET search_path = scantrail, pg_temp AS $$
    SELECT min(b.code) FROM barcodes b WHERE b.sku = p_sku AND b.units = 1 AND b.code ~ '^[0-9]{14}$'
$$;
REVOKE EXECUTE ON FUNCTION epcis_gtin(text) FROM PUBLIC;

CREATE FUNCTION epcis_movements(p_after_gseq bigint, p_after_id uuid, p_max integer,
                                p_since timestamptz, p_sku text, p_lot text, p_serial text)
RETURNS TABLE (gseq bigint, id uuid, at text, kind text, sku text, gtin text, lot text, serial text,
               qty integer, from_loc text, to_loc text, partner text, document text,
               document_kind text, undone_kind text, undone_at text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
    SELECT m.gseq, m.id, to_char(m.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), m.kind, m.sku,
           epcis_gtin(m.sku), m.lot, m.serial, m.qty, m.from_loc, m.to_loc, m.partner, m.document,
           d.kind, o.kind, to_char(o.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    FROM movements m
    LEFT JOIN documents d ON d.reference = m.document
    LEFT JOIN movements o ON o.id = m.reverses
    WHERE m.gseq >= p_after_gseq AND (m.gseq > p_after_gseq OR m.id > p_after_id)
      AND (p_since IS NULL OR m.at >= p_since)
      AND (p_sku IS NULL OR m.sku = p_sku)
      AND (p_lot IS NULL OR m.lot = p_lot)
      AND (p_serial IS NULL OR m.serial = p_serial)
    ORDER BY m.gseq, m.id
    LIMIT least(greatest(p_max, 0), 10000)
$$;
REVOKE EXECUTE ON FUNCTION epcis_movements(bigint, uuid, integer, timestamptz, text, text, text) FROM PUBLIC;

CREATE FUNCTION epcis_lot_changes(p_since timestamptz, p_sku text, p_lot text, p_serial text)
RETURNS TABLE (at text, sku text, gtin text, lot text, status text, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
BEGIN
    IF p_lot IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lots l WHERE l.sku = p_sku AND l.code = p_lot) THEN
        RAISE EXCEPTION 'scantrail:not_found: SKU ''%'' has no lot ''%'' at any station', p_sku, p_lot;
    END IF;
    IF p_serial IS NOT NULL AND NOT EXISTS (SELECT 1 FROM movements m
                                            WHERE m.serial = p_serial AND (p_sku IS NULL OR m.sku = p_sku)) THEN
        RAISE EXCEPTION 'scantrail:not_found: no serial ''%''% has ever been scanned at any station', p_serial,
            CASE WHEN p_sku IS NULL THEN '' ELSE format(' of SKU ''%s''', p_sku) END;
    END IF;
    RETURN QUERY
    SELECT to_char(s.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), s.sku, epcis_gtin(s.sku), s.code, s.status, s.reason
    FROM lot_status_log s
    WHERE (p_since IS NULL OR s.at >= p_since)
      AND (p_sku IS NULL OR s.sku = p_sku)
      AND (p_lot IS NULL OR s.code = p_lot)
      AND (p_serial IS NULL OR (s.sku, s.code) IN (SELECT m.sku, m.lot FROM movements m
                                                   WHERE m.serial = p_serial AND m.lot IS NOT NULL))
    ORDER BY s.id;
END $$;
REVOKE EXECUTE ON FUNCTION epcis_lot_changes(timestamptz, text, text, text) FROM PUBLIC;

-- Stations added before this migration may export EPCIS too …
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT s.role FROM stations s LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION '
                       'scantrail.epcis_movements(bigint, uuid, integer, timestamptz, text, text, text), '
                       'scantrail.epcis_lot_changes(timestamptz, text, text, text) TO %I', r.role);
    END LOOP;
END $$;

-- … and so may every station added from now on: station_add as in 004 (it takes the
-- password's SCRAM verifier), with the two EPCIS functions among its functions.
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
                   'scantrail.epcis_movements(bigint, uuid, integer, timestamptz, text, text, text), '
                   'scantrail.epcis_lot_changes(timestamptz, text, text, text) TO %I', p_role);
    INSERT INTO stations (name, role) VALUES (p_name, p_role);
END $$;
