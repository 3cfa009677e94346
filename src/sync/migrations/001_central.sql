-- The central schema: every station's scans and movements, the catalog by natural key, the
-- feed that stations pull in the centre's order, the centre's projections and the conflicts
-- found when all stations' movements are put together (SPEC §7).
--
-- Stations reach these tables only through push() and pull() (SECURITY DEFINER, fixed
-- search_path) and a few read-only functions of the same kind; their login roles hold no
-- privilege on any table. Everything that takes a place in the feed (a group, a catalog
-- change, a conflict) takes it under one transaction-level advisory lock, so that gseq
-- allocation order is commit order and a cursor `gseq > last` never skips a row
-- (docs/architecture.md, "Many stations").

REVOKE ALL ON SCHEMA scantrail FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA scantrail REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- The feed's order. Only ever advanced under the feed lock.
CREATE SEQUENCE feed_gseq AS bigint CACHE 1;

-- One row per station: its login role, the station database it is bound to, and the last
-- station sequence the centre acknowledged.
CREATE TABLE stations (
    name          text PRIMARY KEY,
    role          name NOT NULL UNIQUE,
    instance_id   uuid,
    last_seq      bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_push_at  timestamptz
);

-- Everything a station pulls, in the centre's order: the JSON of wire::Feed. `station` is
-- set on groups only: a station's own groups are left out of its pull.
CREATE TABLE feed (
    gseq     bigint PRIMARY KEY,
    kind     text NOT NULL CHECK (kind IN ('product', 'location', 'document', 'lot', 'group', 'conflict')),
    station  text REFERENCES stations (name),
    item     jsonb NOT NULL
);

-- The catalog, by natural key. Movements name SKUs, locations and lots as text and refer to
-- none of these tables: a station's facts are taken in even when the centre's catalog does
-- not know a key yet.
CREATE TABLE products (
    sku             text PRIMARY KEY,
    name            text NOT NULL,
    tracking        text NOT NULL CHECK (tracking IN ('none', 'lot', 'serial')),
    serial_pattern  text
);
CREATE TABLE barcodes (
    code   text PRIMARY KEY,
    sku    text NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    units  integer NOT NULL CHECK (units > 0)
);
CREATE INDEX barcodes_by_sku ON barcodes (sku);
CREATE TABLE locations (
    code    text PRIMARY KEY,
    name    text NOT NULL,
    parent  text REFERENCES locations (code)
);
CREATE TABLE partners (
    name  text PRIMARY KEY
);
CREATE TABLE documents (
    reference  text PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('purchase', 'sale', 'return')),
    partner    text NOT NULL REFERENCES partners (name),
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at  timestamptz
);
CREATE TABLE document_lines (
    reference  text NOT NULL REFERENCES documents (reference),
    line_no    integer NOT NULL,
    sku        text NOT NULL REFERENCES products (sku),
    qty        integer NOT NULL CHECK (qty > 0),
    PRIMARY KEY (reference, line_no)
);
CREATE TABLE lots (
    sku     text NOT NULL,
    code    text NOT NULL,
    expiry  date,
    status  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'quarantined')),
    reason  text,
    PRIMARY KEY (sku, code)
);
CREATE TABLE lot_status_log (
    id      bigserial PRIMARY KEY,
    sku     text NOT NULL,
    code    text NOT NULL,
    status  text NOT NULL CHECK (status IN ('active', 'quarantined')),
    reason  text NOT NULL,
    who     text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);

-- Every station's scan log and journal. `hash` is sha256 of the group's JSON as the centre
-- stores it (jsonb's text form is canonical: key order and spacing do not matter).
CREATE TABLE scans (
    id              uuid PRIMARY KEY,
    station         text NOT NULL REFERENCES stations (name),
    station_seq     bigint NOT NULL,
    gseq            bigint NOT NULL UNIQUE,
    hash            bytea NOT NULL,
    at              timestamptz NOT NULL,
    operator        text,
    device          text,
    raw             text NOT NULL,
    outcome         text NOT NULL,
    message         text NOT NULL,
    close_document  text,
    received_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (station, station_seq)
);
CREATE TABLE movements (
    id           uuid PRIMARY KEY,
    scan_id      uuid NOT NULL REFERENCES scans (id),
    station      text NOT NULL REFERENCES stations (name),
    station_seq  bigint NOT NULL,
    gseq         bigint NOT NULL,
    at           timestamptz NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('receive', 'transfer', 'ship', 'return', 'adjust', 'reversal')),
    sku          text NOT NULL,
    lot          text,
    serial       text,
    qty          integer NOT NULL CHECK (qty > 0),
    from_loc     text,
    to_loc       text,
    partner      text,
    document     text,
    reverses     uuid
);
CREATE INDEX movements_by_scan ON movements (scan_id);
CREATE INDEX movements_by_gseq ON movements (gseq);
CREATE INDEX movements_by_serial ON movements (serial, sku) WHERE serial IS NOT NULL;
CREATE INDEX movements_by_lot ON movements (sku, lot) WHERE lot IS NOT NULL;

-- Projections of all stations' movements. Stock MAY go below zero here: each station could
-- only check what it knew; a negative quantity is a negative_stock conflict.
CREATE TABLE stock (
    sku       text NOT NULL,
    location  text NOT NULL,
    lot       text NOT NULL DEFAULT '',
    qty       bigint NOT NULL,
    PRIMARY KEY (sku, location, lot)
);
CREATE INDEX stock_by_location ON stock (location);
CREATE TABLE serials (
    sku       text NOT NULL,
    serial    text NOT NULL,
    lot       text,
    status    text NOT NULL CHECK (status IN ('in_stock', 'shipped')),
    location  text,
    station   text NOT NULL,
    PRIMARY KEY (sku, serial)
);
CREATE INDEX serials_by_serial ON serials (serial);

-- What only the centre can see. Never deleted: resolved by a later movement or by a person.
CREATE TABLE conflicts (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('serial_duplicate', 'shipped_quarantined', 'negative_stock')),
    sku          text NOT NULL,
    lot          text,
    serial       text,
    location     text,
    stations     text[] NOT NULL,
    detected_at  timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution   text,
    resolved_by  text,
    resolved_at  timestamptz
);
CREATE INDEX conflicts_open ON conflicts (kind, sku) WHERE status = 'open';

-- Appends one item to the feed under the feed lock and returns its gseq. Every writer of the
-- feed comes through here, or, like push for its block of groups, takes the same lock first:
-- the lock is held until the writer's transaction ends, so no transaction can take a gseq
-- while an earlier one is still uncommitted.
CREATE FUNCTION feed_append(p_kind text, p_station text, p_item jsonb) RETURNS bigint
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    g bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('scantrail.feed', 0));
    g := nextval('feed_gseq');
    INSERT INTO feed (gseq, kind, station, item)
    VALUES (g, p_kind, p_station, jsonb_build_object('type', p_kind) || p_item);
    -- Stations listening pull at once; one notification per transaction and payload.
    PERFORM pg_notify('scantrail_feed', coalesce(p_station, 'centre'));
    RETURN g;
END $$;

-- The feed items of the catalog, as wire::Feed's JSON (without "type").
CREATE FUNCTION product_item(p_sku text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = scantrail, pg_temp AS $$
    SELECT jsonb_build_object(
        'sku', p.sku, 'name', p.name, 'tracking', p.tracking, 'serial_pattern', p.serial_pattern,
        'barcodes', coalesce((SELECT jsonb_agg(jsonb_build_object('code', b.code, 'units', b.units) ORDER BY b.code)
                              FROM barcodes b WHERE b.sku = p.sku), '[]'::jsonb))
    FROM products p WHERE p.sku = p_sku
$$;
CREATE FUNCTION location_item(p_code text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = scantrail, pg_temp AS $$
    SELECT jsonb_build_object('code', l.code, 'name', l.name, 'parent', l.parent)
    FROM locations l WHERE l.code = p_code
$$;
CREATE FUNCTION document_item(p_ref text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = scantrail, pg_temp AS $$
    SELECT jsonb_build_object(
        'reference', d.reference, 'kind', d.kind, 'partner', d.partner, 'status', d.status,
        'closed_at', d.closed_at,
        'lines', coalesce((SELECT jsonb_agg(jsonb_build_object('line_no', l.line_no, 'sku', l.sku, 'qty', l.qty) ORDER BY l.line_no)
                           FROM document_lines l WHERE l.reference = d.reference), '[]'::jsonb))
    FROM documents d WHERE d.reference = p_ref
$$;
CREATE FUNCTION lot_item(p_sku text, p_code text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = scantrail, pg_temp AS $$
    SELECT jsonb_build_object('sku', l.sku, 'code', l.code, 'expiry', l.expiry, 'status', l.status, 'reason', l.reason)
    FROM lots l WHERE l.sku = p_sku AND l.code = p_code
$$;
CREATE FUNCTION conflict_item(p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'kind', c.kind, 'product', c.sku, 'lot', c.lot, 'serial', c.serial,
        'location', c.location, 'stations', to_jsonb(c.stations), 'detected_at', c.detected_at,
        'status', c.status,
        'resolution', CASE WHEN c.resolved_by IS NULL THEN c.resolution
                           ELSE c.resolved_by || ': ' || c.resolution END)
    FROM conflicts c WHERE c.id = p_id
$$;

-- Records what the centre found: an open conflict of the same kind on the same key gains the
-- station (one conflict, visible to all its stations), otherwise a new one is opened. Either
-- way stations hear of it through the feed.
CREATE FUNCTION conflict_note(p_kind text, p_sku text, p_lot text, p_serial text,
                              p_location text, p_stations text[]) RETURNS void
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    c conflicts;
    merged text[];
BEGIN
    SELECT * INTO c FROM conflicts
    WHERE status = 'open' AND kind = p_kind AND sku = p_sku
      AND lot IS NOT DISTINCT FROM p_lot AND serial IS NOT DISTINCT FROM p_serial
      AND location IS NOT DISTINCT FROM p_location
    FOR UPDATE;
    IF FOUND THEN
        SELECT array_agg(DISTINCT s ORDER BY s) INTO merged FROM unnest(c.stations || p_stations) s;
        IF merged = c.stations THEN
            RETURN;
        END IF;
        UPDATE conflicts SET stations = merged WHERE id = c.id;
    ELSE
        SELECT array_agg(DISTINCT s ORDER BY s) INTO merged FROM unnest(p_stations) s;
        INSERT INTO conflicts (kind, sku, lot, serial, location, stations)
        VALUES (p_kind, p_sku, p_lot, p_serial, p_location, merged)
        RETURNING * INTO c;
    END IF;
    PERFORM feed_append('conflict', NULL, conflict_item(c.id));
END $$;

-- Ends a conflict: a later movement that corrects it, or a person (resolve()).
CREATE FUNCTION conflict_close(p_id bigint, p_resolution text, p_who text) RETURNS void
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
BEGIN
    UPDATE conflicts SET status = 'resolved', resolution = p_resolution, resolved_by = p_who,
                         resolved_at = now()
    WHERE id = p_id AND status = 'open';
    IF FOUND THEN
        PERFORM feed_append('conflict', NULL, conflict_item(p_id));
    END IF;
END $$;

-- What a station calls to hand in its scans: groups in its own order, after `p_prev_seq`,
-- the last seq the station believes acknowledged. Returns the new acknowledged seq.
--
-- Set-based: the batch is checked group by group (cheap comparisons), then its new groups
-- take one block of gseqs and go into the feed, the scan log and the journal in one statement
-- each. The projections follow: stock by the batch's net change per key (a key below zero
-- after the push is a negative_stock conflict, one at zero or above closes an open one),
-- serials one movement at a time in the centre's order, since a serial's story is a
-- sequence. Stations' movements are facts: nothing here refuses one; what does not add up
-- becomes a conflict.
CREATE FUNCTION push(p_instance uuid, p_prev_seq bigint, p_groups jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
    st stations;
    r record;
    s serials;
    v_new integer[] := '{}';
    v_last_new bigint;
    v_first bigint;
    v_last bigint;
    v_expected bigint;
    v_inserted bigint;
    v_base text;
BEGIN
    -- The feed lock first: everything below, gseq included, happens in commit order.
    PERFORM pg_advisory_xact_lock(hashtextextended('scantrail.feed', 0));
    SELECT * INTO st FROM stations WHERE role = session_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scantrail:unknown_station: the role % is not a station of this centre', session_user
            USING HINT = 'make one with: scantrail central station add NAME';
    END IF;
    IF st.instance_id IS NULL THEN
        UPDATE stations SET instance_id = p_instance WHERE name = st.name;
    ELSIF st.instance_id <> p_instance THEN
        RAISE EXCEPTION 'scantrail:other_instance: station % is already fed by another station database (%); this one (%) is a copy of a station database, or a new one, pushing as that station', st.name, st.instance_id, p_instance
            USING HINT = 'give this station its own name and role (scantrail central station add NAME)';
    END IF;
    IF p_prev_seq > st.last_seq THEN
        RAISE EXCEPTION 'scantrail:gap: station % sends scans after its seq %, but the centre has acknowledged only up to seq %', st.name, p_prev_seq, st.last_seq;
    END IF;
    IF jsonb_typeof(p_groups) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'scantrail:bad_push: the groups must be a JSON array';
    END IF;

    -- Which groups are new. One already here (a resend, a round cut after its commit) is
    -- skipped if its content is the same and is a loud error if not.
    v_last_new := st.last_seq;
    FOR r IN
        SELECT g.ord::integer AS ord, (g.value->>'seq')::bigint AS seq, (g.value->>'id')::uuid AS id,
               sha256(convert_to(g.value::text, 'UTF8')) AS hash,
               o.hash AS old_hash, o.station AS old_station, o.station_seq AS old_seq
        FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS g (value, ord)
        LEFT JOIN scans o ON o.id = (g.value->>'id')::uuid
        ORDER BY g.ord
    LOOP
        IF r.seq IS NULL OR r.id IS NULL THEN
            RAISE EXCEPTION 'scantrail:bad_push: station % sent a group without seq or id', st.name;
        END IF;
        IF r.old_hash IS NOT NULL THEN
            IF r.old_hash <> r.hash OR r.old_station <> st.name THEN
                RAISE EXCEPTION 'scantrail:diverged: station % sent group % (its seq %) with other content than the centre already has from station % (seq %): the station database was restored or copied', st.name, r.id, r.seq, r.old_station, r.old_seq;
            END IF;
            CONTINUE;
        END IF;
        IF r.seq <= st.last_seq THEN
            RAISE EXCEPTION 'scantrail:diverged: station % sent group % as its seq %, but the centre acknowledged that seq with other scans: the station database was restored or copied', st.name, r.id, r.seq;
        END IF;
        IF r.seq <= v_last_new THEN
            RAISE EXCEPTION 'scantrail:bad_push: station % sent its seq % after seq %: groups must come in the station''s order', st.name, r.seq, v_last_new;
        END IF;
        v_new := v_new || r.ord;
        v_last_new := r.seq;
    END LOOP;

    IF cardinality(v_new) > 0 THEN
        -- One block of gseqs, in the batch's order, taken under the lock.
        v_first := nextval('feed_gseq');
        v_last := v_first + cardinality(v_new) - 1;
        IF v_last > v_first THEN
            PERFORM setval('feed_gseq', v_last);
        END IF;

        -- The new groups are picked out of the batch by a join, not by index: each index
        -- into the parameter would unpack the whole batch again.
        INSERT INTO feed (gseq, kind, station, item)
        SELECT v_first + n.k - 1, 'group', st.name, jsonb_build_object('type', 'group') || g
        FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS x (g, ord)
        JOIN unnest(v_new) WITH ORDINALITY AS n (ord, k) ON n.ord = x.ord;

        INSERT INTO scans (id, station, station_seq, gseq, hash, at, operator, device, raw, outcome, message, close_document)
        SELECT (g->>'id')::uuid, st.name, (g->>'seq')::bigint, v_first + n.k - 1,
               sha256(convert_to(g::text, 'UTF8')), (g->>'at')::timestamptz, g->>'operator',
               g->>'device', g->>'raw', g->>'outcome', g->>'message', g->>'close_document'
        FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS x (g, ord)
        JOIN unnest(v_new) WITH ORDINALITY AS n (ord, k) ON n.ord = x.ord;

        INSERT INTO movements (id, scan_id, station, station_seq, gseq, at, kind, sku, lot, serial, qty,
                               from_loc, to_loc, partner, document, reverses)
        SELECT (m->>'id')::uuid, (g->>'id')::uuid, st.name, (g->>'seq')::bigint, v_first + n.k - 1,
               (g->>'at')::timestamptz, m->>'kind', m->>'sku', m->>'lot', m->>'serial',
               (m->>'qty')::integer, m->>'from', m->>'to', m->>'partner', m->>'document',
               (m->>'reverses')::uuid
        FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS x (g, ord)
        JOIN unnest(v_new) WITH ORDINALITY AS n (ord, k) ON n.ord = x.ord
        CROSS JOIN LATERAL jsonb_array_elements(coalesce(x.g->'movements', '[]'::jsonb)) AS mv (m)
        ON CONFLICT (id) DO NOTHING;
        GET DIAGNOSTICS v_inserted = ROW_COUNT;
        SELECT coalesce(sum(jsonb_array_length(coalesce(x.g->'movements', '[]'::jsonb))), 0) INTO v_expected
        FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS x (g, ord)
        WHERE x.ord = ANY (v_new);
        IF v_inserted <> v_expected THEN
            SELECT m.id, m.scan_id INTO r FROM movements m
            WHERE m.id IN (SELECT (mv.m->>'id')::uuid
                           FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS x (g, ord),
                                LATERAL jsonb_array_elements(coalesce(x.g->'movements', '[]'::jsonb)) AS mv (m)
                           WHERE x.ord = ANY (v_new))
              AND (m.gseq < v_first OR m.gseq > v_last)
            LIMIT 1;
            RAISE EXCEPTION 'scantrail:diverged: station % sent movement % again in another group than the centre has it in (%): the station database was restored or copied', st.name, r.id, r.scan_id;
        END IF;

        -- Lots are known from their first movement, keeping the first expiry given.
        INSERT INTO lots AS l (sku, code, expiry)
        SELECT DISTINCT ON (mv.m->>'sku', mv.m->>'lot') mv.m->>'sku', mv.m->>'lot', (mv.m->>'expiry')::date
        FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS x (g, ord)
        CROSS JOIN LATERAL jsonb_array_elements(coalesce(x.g->'movements', '[]'::jsonb)) WITH ORDINALITY AS mv (m, mo)
        WHERE x.ord = ANY (v_new) AND mv.m->>'lot' IS NOT NULL
        ORDER BY mv.m->>'sku', mv.m->>'lot', (mv.m->>'expiry') IS NULL, x.ord, mv.mo
        ON CONFLICT (sku, code) DO UPDATE SET expiry = coalesce(l.expiry, excluded.expiry);

        -- A lot shipped while quarantined centrally.
        FOR r IN
            SELECT m.sku, m.lot, m.serial, m.from_loc FROM movements m
            JOIN lots l ON l.sku = m.sku AND l.code = m.lot
            WHERE m.gseq BETWEEN v_first AND v_last AND m.kind = 'ship' AND l.status = 'quarantined'
            ORDER BY m.gseq, m.id
        LOOP
            PERFORM conflict_note('shipped_quarantined', r.sku, r.lot, r.serial, r.from_loc, ARRAY[st.name]);
        END LOOP;

        -- Stock, by the batch's net change per key.
        FOR r IN
            WITH delta AS (
                SELECT m.sku, m.from_loc AS location, coalesce(m.lot, '') AS lot, -sum(m.qty) AS qty
                FROM movements m WHERE m.gseq BETWEEN v_first AND v_last AND m.from_loc IS NOT NULL
                GROUP BY 1, 2, 3
                UNION ALL
                SELECT m.sku, m.to_loc, coalesce(m.lot, ''), sum(m.qty)
                FROM movements m WHERE m.gseq BETWEEN v_first AND v_last AND m.to_loc IS NOT NULL
                GROUP BY 1, 2, 3
            ), applied AS (
                INSERT INTO stock AS t (sku, location, lot, qty)
                SELECT d.sku, d.location, d.lot, sum(d.qty) FROM delta d GROUP BY 1, 2, 3
                ON CONFLICT (sku, location, lot) DO UPDATE SET qty = t.qty + excluded.qty
                RETURNING t.sku, t.location, t.lot, t.qty
            )
            SELECT a.*, c.id AS open_conflict FROM applied a
            LEFT JOIN conflicts c ON c.status = 'open' AND c.kind = 'negative_stock' AND c.sku = a.sku
                                 AND c.location = a.location AND coalesce(c.lot, '') = a.lot
            WHERE a.qty < 0 OR c.id IS NOT NULL
        LOOP
            IF r.qty < 0 THEN
                PERFORM conflict_note('negative_stock', r.sku, nullif(r.lot, ''), NULL, r.location, ARRAY[st.name]);
            ELSE
                PERFORM conflict_close(r.open_conflict, format('a push from %s brought the stock back to %s', st.name, r.qty), NULL);
            END IF;
        END LOOP;

        -- Serials, one movement at a time. Mirrors the station's triggers
        -- (src/store/migrations/001_initial.sql) without refusing: a serial coming in that is
        -- already in stock (or already known, for a new one), or going out already shipped,
        -- is a serial_duplicate.
        FOR r IN
            SELECT m.id, m.kind, m.sku, m.lot, m.serial, m.from_loc, m.to_loc, b.kind AS base
            FROM movements m LEFT JOIN movements b ON b.id = m.reverses
            WHERE m.gseq BETWEEN v_first AND v_last AND m.serial IS NOT NULL
            ORDER BY m.gseq, m.id
        LOOP
            v_base := coalesce(r.base, r.kind);
            SELECT * INTO s FROM serials WHERE sku = r.sku AND serial = r.serial FOR UPDATE;
            IF r.from_loc IS NULL THEN
                IF FOUND AND (s.status = 'in_stock' OR NOT (r.kind = 'return' OR v_base = 'ship')) THEN
                    PERFORM conflict_note('serial_duplicate', r.sku, r.lot, r.serial, NULL, ARRAY[s.station, st.name]);
                END IF;
                INSERT INTO serials AS t (sku, serial, lot, status, location, station)
                VALUES (r.sku, r.serial, r.lot, 'in_stock', r.to_loc, st.name)
                ON CONFLICT (sku, serial) DO UPDATE
                SET status = 'in_stock', location = excluded.location, station = excluded.station;
            ELSIF r.to_loc IS NOT NULL THEN
                UPDATE serials SET location = r.to_loc, station = st.name
                WHERE sku = r.sku AND serial = r.serial;
            ELSIF r.kind = 'ship' OR (r.kind = 'reversal' AND v_base = 'return') THEN
                IF FOUND AND s.status = 'shipped' THEN
                    PERFORM conflict_note('serial_duplicate', r.sku, r.lot, r.serial, NULL, ARRAY[s.station, st.name]);
                END IF;
                INSERT INTO serials AS t (sku, serial, lot, status, location, station)
                VALUES (r.sku, r.serial, r.lot, 'shipped', NULL, st.name)
                ON CONFLICT (sku, serial) DO UPDATE
                SET status = 'shipped', location = NULL, station = excluded.station;
            ELSE
                -- Gone otherwise (adjust out, undo of a receipt): the projection forgets it;
                -- the journal keeps its history.
                DELETE FROM serials WHERE sku = r.sku AND serial = r.serial;
            END IF;
        END LOOP;

        UPDATE documents d SET status = 'closed', closed_at = sc.at
        FROM scans sc
        WHERE sc.gseq BETWEEN v_first AND v_last AND sc.close_document = d.reference AND d.status = 'open';
    END IF;

    UPDATE stations SET last_seq = greatest(st.last_seq, v_last_new), last_push_at = now() WHERE name = st.name;
    IF cardinality(v_new) > 0 THEN
        PERFORM pg_notify('scantrail_feed', st.name);
    END IF;
    RETURN greatest(st.last_seq, v_last_new);
END $$;

-- What a station calls to hear of everything after its cursor, in the centre's order: the
-- catalog, other stations' groups, conflicts. Its own groups are left out.
CREATE FUNCTION pull(p_after bigint, p_max integer) RETURNS TABLE (gseq bigint, item jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp AS $$
    SELECT f.gseq, f.item FROM feed f
    WHERE f.gseq > p_after
      AND (f.station IS NULL
           OR f.station IS DISTINCT FROM (SELECT s.name FROM stations s WHERE s.role = session_user))
    ORDER BY f.gseq
    LIMIT least(greatest(p_max, 0), 10000)
$$;

-- What `--central` answers from, for the administration and for stations alike: read-only,
-- SECURITY DEFINER, so a station reads the whole warehouse's stock and conflicts without any
-- privilege on the tables. Stock shows every key that is not zero: a negative one is disputed.
CREATE FUNCTION stock_rows(p_sku text, p_location text, p_lot text)
RETURNS TABLE (sku text, lot text, location text, qty bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp AS $$
    WITH RECURSIVE within (code) AS (
        SELECT p_location WHERE p_location IS NOT NULL
        UNION
        SELECT l.code FROM locations l JOIN within w ON l.parent = w.code
    )
    SELECT s.sku, nullif(s.lot, ''), s.location, s.qty FROM stock s
    WHERE s.qty <> 0
      AND (p_sku IS NULL OR s.sku = p_sku)
      AND (p_location IS NULL OR s.location IN (SELECT code FROM within))
      AND (p_lot IS NULL OR s.lot = p_lot)
    ORDER BY s.sku, s.location, s.lot
$$;

-- Every conflict, open and resolved, oldest first, as wire::WireConflict's JSON.
CREATE FUNCTION conflict_list() RETURNS SETOF jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp AS $$
    SELECT conflict_item(c.id) FROM conflicts c ORDER BY c.id
$$;

-- A serial's story across every station, as SPEC §6's `trace serial --json`.
CREATE FUNCTION serial_trace(p_serial text, p_sku text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
    v_skus text[];
    v_sku text;
    v_result jsonb;
BEGIN
    SELECT array_agg(DISTINCT m.sku ORDER BY m.sku) INTO v_skus FROM movements m
    WHERE m.serial = p_serial AND (p_sku IS NULL OR m.sku = p_sku);
    IF v_skus IS NULL THEN
        RAISE EXCEPTION 'scantrail:not_found: no serial % % has ever been scanned at any station', p_serial,
            CASE WHEN p_sku IS NULL THEN '' ELSE 'of SKU ' || p_sku END;
    END IF;
    IF cardinality(v_skus) > 1 THEN
        RAISE EXCEPTION 'scantrail:not_found: serial % belongs to several products (%); name one with --product',
            p_serial, array_to_string(v_skus, ', ');
    END IF;
    v_sku := v_skus[1];
    SELECT jsonb_build_object(
        'product', jsonb_build_object('sku', v_sku, 'name', (SELECT p.name FROM products p WHERE p.sku = v_sku)),
        'serial', p_serial,
        'lot', coalesce(s.lot, (SELECT m.lot FROM movements m WHERE m.sku = v_sku AND m.serial = p_serial
                                ORDER BY m.gseq DESC, m.id DESC LIMIT 1)),
        'status', s.status,
        'location', s.location,
        'history', (SELECT jsonb_agg(jsonb_build_object(
                        'at', to_char(m.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'kind', m.kind,
                        'from', m.from_loc, 'to', m.to_loc, 'document', m.document, 'partner', m.partner,
                        'station', m.station, 'operator', sc.operator) ORDER BY m.gseq, m.id)
                    FROM movements m JOIN scans sc ON sc.id = m.scan_id
                    WHERE m.sku = v_sku AND m.serial = p_serial))
    INTO v_result
    FROM (SELECT 1) AS one LEFT JOIN serials s ON s.sku = v_sku AND s.serial = p_serial;
    RETURN v_result;
END $$;

-- A lot's recall view across every station, as SPEC §6's `trace lot --json`: each reversal
-- counted against the kind it undoes; on hand where it is not zero (negative: disputed).
CREATE FUNCTION lot_trace(p_sku text, p_lot text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = scantrail, pg_temp AS $$
DECLARE
    l lots;
    v_result jsonb;
BEGIN
    SELECT * INTO l FROM lots WHERE sku = p_sku AND code = p_lot;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scantrail:not_found: SKU % has no lot % at the centre', p_sku, p_lot;
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
        'product', jsonb_build_object('sku', p_sku, 'name', (SELECT p.name FROM products p WHERE p.sku = p_sku)),
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

-- The administration's side: catalog imports, lot status and conflict resolution, each in
-- the caller's transaction (all or nothing), each change put in the feed. Errors name the
-- CSV line as `line N:`.

-- products.csv rows: [{"line","sku","name","tracking","serial_pattern","barcodes":[{"code","units"}]}]
CREATE FUNCTION import_products(p_rows jsonb, OUT added integer, OUT updated integer)
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    r jsonb;
    b jsonb;
    v_owner text;
BEGIN
    added := 0;
    updated := 0;
    FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP
        IF EXISTS (SELECT 1 FROM products WHERE sku = r->>'sku') THEN
            UPDATE products SET name = r->>'name', tracking = r->>'tracking', serial_pattern = r->>'serial_pattern'
            WHERE sku = r->>'sku';
            updated := updated + 1;
        ELSE
            INSERT INTO products (sku, name, tracking, serial_pattern)
            VALUES (r->>'sku', r->>'name', r->>'tracking', r->>'serial_pattern');
            added := added + 1;
        END IF;
        DELETE FROM barcodes WHERE sku = r->>'sku';
        FOR b IN SELECT value FROM jsonb_array_elements(r->'barcodes') LOOP
            SELECT sku INTO v_owner FROM barcodes WHERE code = b->>'code';
            IF FOUND THEN
                RAISE EXCEPTION 'scantrail:import: line %: barcode % already belongs to SKU %', r->>'line', b->>'code', v_owner;
            END IF;
            INSERT INTO barcodes (code, sku, units) VALUES (b->>'code', r->>'sku', (b->>'units')::integer);
        END LOOP;
        PERFORM feed_append('product', NULL, product_item(r->>'sku'));
    END LOOP;
END $$;

-- locations.csv rows: [{"line","code","name","parent"}]; a parent may come later in the file.
CREATE FUNCTION import_locations(p_rows jsonb, OUT added integer, OUT updated integer)
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    r jsonb;
BEGIN
    added := 0;
    updated := 0;
    FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP
        IF EXISTS (SELECT 1 FROM locations WHERE code = r->>'code') THEN
            UPDATE locations SET name = r->>'name' WHERE code = r->>'code';
            updated := updated + 1;
        ELSE
            INSERT INTO locations (code, name) VALUES (r->>'code', r->>'name');
            added := added + 1;
        END IF;
    END LOOP;
    FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP
        IF r->>'parent' IS NOT NULL THEN
            IF r->>'parent' = r->>'code' THEN
                RAISE EXCEPTION 'scantrail:import: line %: location % cannot be its own parent', r->>'line', r->>'code';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM locations WHERE code = r->>'parent') THEN
                RAISE EXCEPTION 'scantrail:import: line %: the parent location % is neither in the file nor in the catalog', r->>'line', r->>'parent';
            END IF;
        END IF;
        UPDATE locations SET parent = r->>'parent' WHERE code = r->>'code';
        PERFORM feed_append('location', NULL, location_item(r->>'code'));
    END LOOP;
END $$;

-- orders.csv rows: [{"line","ref","kind","partner","sku","qty"}], one per document line, a
-- document's lines numbered in file order. A document already in the catalog is refused.
CREATE FUNCTION import_orders(p_rows jsonb, OUT added integer, OUT updated integer)
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    r jsonb;
    d documents;
    v_line integer;
    v_fresh text[] := '{}';
    v_ref text;
BEGIN
    added := 0;
    updated := 0;
    FOR r IN SELECT value FROM jsonb_array_elements(p_rows) LOOP
        IF NOT EXISTS (SELECT 1 FROM products WHERE sku = r->>'sku') THEN
            RAISE EXCEPTION 'scantrail:import: line %: SKU % is not in the central catalog; import products first', r->>'line', r->>'sku';
        END IF;
        SELECT * INTO d FROM documents WHERE reference = r->>'ref';
        IF FOUND THEN
            IF NOT (r->>'ref' = ANY (v_fresh)) THEN
                RAISE EXCEPTION 'scantrail:import: line %: order % is already in the central database', r->>'line', r->>'ref';
            END IF;
            IF d.kind <> r->>'kind' OR d.partner <> r->>'partner' THEN
                RAISE EXCEPTION 'scantrail:import: line %: order % is a % for %; every line of it must say the same', r->>'line', d.reference, d.kind, d.partner;
            END IF;
        ELSE
            INSERT INTO partners (name) VALUES (r->>'partner') ON CONFLICT DO NOTHING;
            INSERT INTO documents (reference, kind, partner) VALUES (r->>'ref', r->>'kind', r->>'partner');
            v_fresh := v_fresh || (r->>'ref');
            added := added + 1;
        END IF;
        SELECT coalesce(max(line_no), 0) + 1 INTO v_line FROM document_lines WHERE reference = r->>'ref';
        INSERT INTO document_lines (reference, line_no, sku, qty)
        VALUES (r->>'ref', v_line, r->>'sku', (r->>'qty')::integer);
    END LOOP;
    FOREACH v_ref IN ARRAY v_fresh LOOP
        PERFORM feed_append('document', NULL, document_item(v_ref));
    END LOOP;
END $$;

-- Quarantine or release a lot centrally; returns the status it had. Logged with who (by
-- default the role that asks) and why.
CREATE FUNCTION lot_set_status(p_sku text, p_code text, p_status text, p_reason text, p_who text)
RETURNS text
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    v_before text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('scantrail.feed', 0));
    SELECT status INTO v_before FROM lots WHERE sku = p_sku AND code = p_code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scantrail:unknown_lot: SKU % has no lot % at the centre', p_sku, p_code;
    END IF;
    UPDATE lots SET status = p_status, reason = p_reason WHERE sku = p_sku AND code = p_code;
    INSERT INTO lot_status_log (sku, code, status, reason, who)
    VALUES (p_sku, p_code, p_status, p_reason, coalesce(p_who, session_user::text));
    PERFORM feed_append('lot', NULL, lot_item(p_sku, p_code));
    RETURN v_before;
END $$;

-- A person resolves a conflict: who and why are kept; the conflict row stays.
CREATE FUNCTION conflict_resolve(p_id bigint, p_note text, p_who text) RETURNS void
LANGUAGE plpgsql SET search_path = scantrail, pg_temp AS $$
DECLARE
    v_status text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('scantrail.feed', 0));
    SELECT status INTO v_status FROM conflicts WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scantrail:unknown_conflict: there is no conflict %', p_id;
    END IF;
    IF v_status <> 'open' THEN
        RAISE EXCEPTION 'scantrail:already_resolved: conflict % is already resolved', p_id;
    END IF;
    PERFORM conflict_close(p_id, p_note, coalesce(p_who, session_user::text));
END $$;

-- A station's login role: it may execute push and pull (and read stock, conflicts and
-- traces through their functions), nothing else; returns the password.
CREATE FUNCTION station_add(p_name text, p_role text, p_connections integer, p_timeout text)
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
                   'scantrail.serial_trace(text, text), scantrail.lot_trace(text, text) TO %I', p_role);
    INSERT INTO stations (name, role) VALUES (p_name, p_role);
    RETURN v_password;
END $$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA scantrail FROM PUBLIC;
