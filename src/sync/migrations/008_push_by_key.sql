-- A push as fast at the fiftieth thousand scan as at the first (issue 10). Within one long
-- push (a station back from a day offline sends a hundred batches in a few seconds) the
-- planner's statistics of the scan log and of the serial projection are those of before the
-- push, when they were far smaller: 006's push joined each batch to them, and with those
-- estimates PostgreSQL chose to read the whole table into a hash once per batch, so a push
-- of 50,000 scans read the growing scan log and serial projection a hundred times each
-- (auto_explain of 006 at 10,000 scans: `Seq Scan on scans o` of up to 10,000 rows, and of
-- `serials sr`, in every batch). Here each of those lookups is a probe by key (a subquery
-- per row), which no estimate can turn into a scan; and the usual batch (every group new,
-- in order) is checked and hashed by one statement instead of a loop, which now runs only
-- for a batch that is not the usual one (a resend after a cut round, or a wrong batch) and
-- raises the same errors as before. Nothing else in push changes.

CREATE OR REPLACE FUNCTION push(p_instance uuid, p_prev_seq bigint, p_groups jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = scantrail, pg_temp SET TimeZone = 'UTC' AS $$
DECLARE
    st stations;
    r record;
    s serials;
    v_new integer[] := '{}';
    v_hashes bytea[] := '{}';
    v_batch jsonb;
    v_loop uuid[];
    v_last_new bigint;
    v_first bigint;
    v_last bigint;
    v_expected bigint;
    v_inserted bigint;
    v_base text;
    v_plain boolean;
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

    -- Which groups are new. The usual batch is all new, in the station's order, after the
    -- last seq acknowledged: one pass over it says so and hashes it. Whether an id is known
    -- is an index probe of its own (a scalar subquery: an EXISTS may be planned as a hash of
    -- the whole table, which is what a join was), whatever the planner believes of the scan
    -- log's size: in a long push its statistics are those of a much smaller table.
    SELECT coalesce(bool_and(x.seq IS NOT NULL AND x.id IS NOT NULL AND NOT x.known
                             AND x.seq > coalesce(x.prev, st.last_seq)), false),
           coalesce(array_agg(x.ord ORDER BY x.ord), '{}'), coalesce(array_agg(x.hash ORDER BY x.ord), '{}'),
           coalesce(max(x.seq), st.last_seq)
    INTO v_plain, v_new, v_hashes, v_last_new
    FROM (SELECT g.ord::integer AS ord, (g.value->>'seq')::bigint AS seq, (g.value->>'id')::uuid AS id,
                 sha256(convert_to(g.value::text, 'UTF8')) AS hash,
                 lag((g.value->>'seq')::bigint) OVER (ORDER BY g.ord) AS prev,
                 (SELECT true FROM scans o WHERE o.id = (g.value->>'id')::uuid) IS NOT NULL AS known
          FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS g (value, ord)) x;

    -- Otherwise (a resend, a round cut after its commit, or a batch that is wrong), group by
    -- group: one already here is skipped if its content is the same and is a loud error if
    -- not; anything else out of place is a loud error.
    IF NOT v_plain THEN
        v_new := '{}';
        v_hashes := '{}';
        v_last_new := st.last_seq;
        FOR r IN
            SELECT g.ord::integer AS ord, (g.value->>'seq')::bigint AS seq, (g.value->>'id')::uuid AS id,
                   sha256(convert_to(g.value::text, 'UTF8')) AS hash,
                   o.hash AS old_hash, o.station AS old_station, o.station_seq AS old_seq
            FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS g (value, ord)
            LEFT JOIN LATERAL (SELECT sc.hash, sc.station, sc.station_seq FROM scans sc
                               WHERE sc.id = (g.value->>'id')::uuid OFFSET 0) o ON true
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
            v_hashes := v_hashes || r.hash;
            v_last_new := r.seq;
        END LOOP;
    END IF;

    IF cardinality(v_new) > 0 THEN
        -- One block of gseqs, in the batch's order, taken under the lock.
        v_first := nextval('feed_gseq');
        v_last := v_first + cardinality(v_new) - 1;
        IF v_last > v_first THEN
            PERFORM setval('feed_gseq', v_last);
        END IF;

        -- The new groups as a JSON array of their own, so that each statement below reads
        -- them in one pass (k-th new group: gseq v_first + k - 1, hash v_hashes[k]). A batch
        -- with no resent group, the usual case, is that array already.
        IF cardinality(v_new) = jsonb_array_length(p_groups) THEN
            v_batch := p_groups;
        ELSE
            SELECT jsonb_agg(x.g ORDER BY x.ord) INTO v_batch
            FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS x (g, ord)
            WHERE x.ord = ANY (v_new);
        END IF;

        INSERT INTO feed (gseq, kind, station, item)
        SELECT v_first + x.k - 1, 'group', st.name, jsonb_build_object('type', 'group') || x.g
        FROM jsonb_array_elements(v_batch) WITH ORDINALITY AS x (g, k);

        INSERT INTO scans (id, station, station_seq, gseq, hash, at, operator, device, raw, outcome, message, close_document)
        SELECT x.id, st.name, x.seq, v_first + x.k - 1, v_hashes[x.k], x.at, x.operator,
               x.device, x.raw, x.outcome, x.message, x.close_document
        FROM ROWS FROM (jsonb_to_recordset(v_batch)
                        AS (id uuid, seq bigint, at timestamptz, operator text, device text, raw text,
                            outcome text, message text, close_document text)) WITH ORDINALITY
             AS x (id, seq, at, operator, device, raw, outcome, message, close_document, k);

        INSERT INTO movements (id, scan_id, station, station_seq, gseq, at, kind, sku, lot, serial, qty,
                               from_loc, to_loc, partner, document, reverses)
        SELECT m.id, x.id, st.name, x.seq, v_first + x.k - 1, x.at, m.kind, m.sku, m.lot, m.serial,
               m.qty, m."from", m."to", m.partner, m.document, m.reverses
        FROM ROWS FROM (jsonb_to_recordset(v_batch)
                        AS (id uuid, seq bigint, at timestamptz, movements jsonb)) WITH ORDINALITY
             AS x (id, seq, at, movements, k)
        CROSS JOIN LATERAL jsonb_to_recordset(coalesce(x.movements, '[]'::jsonb))
             AS m (id uuid, kind text, sku text, lot text, serial text, qty integer, "from" text,
                   "to" text, partner text, document text, reverses uuid)
        ON CONFLICT (id) DO NOTHING;
        GET DIAGNOSTICS v_inserted = ROW_COUNT;
        SELECT coalesce(sum(jsonb_array_length(coalesce(x.g->'movements', '[]'::jsonb))), 0) INTO v_expected
        FROM jsonb_array_elements(v_batch) AS x (g);
        IF v_inserted <> v_expected THEN
            SELECT m.id, m.scan_id INTO r FROM movements m
            WHERE m.id IN (SELECT (mv.m->>'id')::uuid
                           FROM jsonb_array_elements(v_batch) AS x (g),
                                LATERAL jsonb_array_elements(coalesce(x.g->'movements', '[]'::jsonb)) AS mv (m))
              AND (m.gseq < v_first OR m.gseq > v_last)
            LIMIT 1;
            RAISE EXCEPTION 'scantrail:diverged: station % sent movement % again in another group than the centre has it in (%): the station database was restored or copied', st.name, r.id, r.scan_id;
        END IF;

        -- Lots are known from their first movement, keeping the first expiry given.
        INSERT INTO lots AS l (sku, code, expiry)
        SELECT DISTINCT ON (mv.m->>'sku', mv.m->>'lot') mv.m->>'sku', mv.m->>'lot', (mv.m->>'expiry')::date
        FROM jsonb_array_elements(v_batch) WITH ORDINALITY AS x (g, ord)
        CROSS JOIN LATERAL jsonb_array_elements(coalesce(x.g->'movements', '[]'::jsonb)) WITH ORDINALITY AS mv (m, mo)
        WHERE mv.m->>'lot' IS NOT NULL
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

        -- Serials. A serial that moves once in this batch and whose change disputes nothing
        -- is changed by one statement per kind of change; a serial that moves more than once
        -- (its story is a sequence) or whose change is a conflict goes through the loop below,
        -- one movement at a time in the centre's order, so conflicts are noted in that order.
        -- Mirrors the station's triggers (src/store/migrations/001_initial.sql) without
        -- refusing: a serial coming in that is already in stock (or already known, for a new
        -- one), or going out already shipped, is a serial_duplicate.
        SELECT coalesce(array_agg(c.id), '{}') INTO v_loop FROM (
            SELECT m.id, m.kind, m.from_loc, m.to_loc,
                   coalesce((SELECT b.kind FROM movements b WHERE b.id = m.reverses), m.kind) AS base,
                   (SELECT sr.status FROM serials sr WHERE sr.sku = m.sku AND sr.serial = m.serial) AS status,
                   count(*) OVER (PARTITION BY m.sku, m.serial) AS moves
            FROM movements m
            WHERE m.gseq BETWEEN v_first AND v_last AND m.serial IS NOT NULL
        ) c
        WHERE c.moves > 1
           OR (c.from_loc IS NULL AND c.status IS NOT NULL
               AND (c.status = 'in_stock'
                    OR (c.status = 'shipped' AND NOT (c.kind = 'return' OR c.base = 'ship'))
                    OR (c.status = 'missing' AND NOT (c.kind = 'return' OR c.base IN ('ship', 'adjust')))))
           OR (c.from_loc IS NOT NULL AND c.to_loc IS NULL
               AND (c.kind = 'ship' OR (c.kind = 'reversal' AND c.base = 'return'))
               AND c.status = 'shipped');

        INSERT INTO serials AS t (sku, serial, lot, status, location, station)
        SELECT m.sku, m.serial, m.lot, CASE WHEN m.from_loc IS NULL THEN 'in_stock' ELSE 'shipped' END,
               m.to_loc, st.name
        FROM movements m LEFT JOIN movements b ON b.id = m.reverses
        WHERE m.gseq BETWEEN v_first AND v_last AND m.serial IS NOT NULL AND m.id <> ALL (v_loop)
          AND (m.from_loc IS NULL
               OR (m.to_loc IS NULL AND (m.kind = 'ship' OR (m.kind = 'reversal' AND coalesce(b.kind, m.kind) = 'return'))))
        ON CONFLICT (sku, serial) DO UPDATE
        SET status = excluded.status, location = excluded.location, station = excluded.station;

        UPDATE serials t SET location = m.to_loc, station = st.name,
                             status = CASE WHEN t.status = 'missing' THEN 'in_stock' ELSE t.status END
        FROM movements m
        WHERE m.gseq BETWEEN v_first AND v_last AND m.serial IS NOT NULL AND m.id <> ALL (v_loop)
          AND m.from_loc IS NOT NULL AND m.to_loc IS NOT NULL
          AND t.sku = m.sku AND t.serial = m.serial;

        DELETE FROM serials t
        USING movements m LEFT JOIN movements b ON b.id = m.reverses
        WHERE m.gseq BETWEEN v_first AND v_last AND m.serial IS NOT NULL AND m.id <> ALL (v_loop)
          AND m.from_loc IS NOT NULL AND m.to_loc IS NULL
          AND NOT (m.kind = 'ship' OR (m.kind = 'reversal' AND coalesce(b.kind, m.kind) = 'return'))
          AND coalesce(b.kind, m.kind) <> 'adjust'
          AND t.sku = m.sku AND t.serial = m.serial;

        -- Lost: a count did not find it (an adjust out, or the undo of an adjust in).
        INSERT INTO serials AS t (sku, serial, lot, status, location, station)
        SELECT m.sku, m.serial, m.lot, 'missing', NULL, st.name
        FROM movements m LEFT JOIN movements b ON b.id = m.reverses
        WHERE m.gseq BETWEEN v_first AND v_last AND m.serial IS NOT NULL AND m.id <> ALL (v_loop)
          AND m.from_loc IS NOT NULL AND m.to_loc IS NULL AND coalesce(b.kind, m.kind) = 'adjust'
        ON CONFLICT (sku, serial) DO UPDATE
        SET status = 'missing', location = NULL, station = excluded.station;

        FOR r IN
            SELECT m.id, m.kind, m.sku, m.lot, m.serial, m.from_loc, m.to_loc, b.kind AS base
            FROM movements m LEFT JOIN movements b ON b.id = m.reverses
            WHERE m.id = ANY (v_loop)
            ORDER BY m.gseq, m.id
        LOOP
            v_base := coalesce(r.base, r.kind);
            SELECT * INTO s FROM serials WHERE sku = r.sku AND serial = r.serial FOR UPDATE;
            IF r.from_loc IS NULL THEN
                IF FOUND AND (s.status = 'in_stock'
                              OR (s.status = 'shipped' AND NOT (r.kind = 'return' OR v_base = 'ship'))
                              OR (s.status = 'missing' AND NOT (r.kind = 'return' OR v_base IN ('ship', 'adjust')))) THEN
                    PERFORM conflict_note('serial_duplicate', r.sku, r.lot, r.serial, NULL, ARRAY[s.station, st.name]);
                END IF;
                INSERT INTO serials AS t (sku, serial, lot, status, location, station)
                VALUES (r.sku, r.serial, r.lot, 'in_stock', r.to_loc, st.name)
                ON CONFLICT (sku, serial) DO UPDATE
                SET status = 'in_stock', location = excluded.location, station = excluded.station;
            ELSIF r.to_loc IS NOT NULL THEN
                UPDATE serials SET location = r.to_loc, station = st.name,
                                   status = CASE WHEN status = 'missing' THEN 'in_stock' ELSE status END
                WHERE sku = r.sku AND serial = r.serial;
            ELSIF r.kind = 'ship' OR (r.kind = 'reversal' AND v_base = 'return') THEN
                IF FOUND AND s.status = 'shipped' THEN
                    PERFORM conflict_note('serial_duplicate', r.sku, r.lot, r.serial, NULL, ARRAY[s.station, st.name]);
                END IF;
                INSERT INTO serials AS t (sku, serial, lot, status, location, station)
                VALUES (r.sku, r.serial, r.lot, 'shipped', NULL, st.name)
                ON CONFLICT (sku, serial) DO UPDATE
                SET status = 'shipped', location = NULL, station = excluded.station;
            ELSIF v_base = 'adjust' THEN
                -- Lost: a count did not find it.
                INSERT INTO serials AS t (sku, serial, lot, status, location, station)
                VALUES (r.sku, r.serial, r.lot, 'missing', NULL, st.name)
                ON CONFLICT (sku, serial) DO UPDATE
                SET status = 'missing', location = NULL, station = excluded.station;
            ELSE
                -- Gone otherwise (the undo of a receipt): the projection forgets it; the
                -- journal keeps its history.
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

-- CREATE OR REPLACE keeps the grants of 001 (station roles may execute it); PUBLIC may not.
REVOKE EXECUTE ON FUNCTION push(uuid, bigint, jsonb) FROM PUBLIC;
