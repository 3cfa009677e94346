-- scantrail schema, version 4: a station that syncs through a central database (SPEC §7).
--
-- The station's own rows and the rows it pulls from the centre live in the same journal and
-- scan log. A pulled row carries the centre's sequence in `gseq`; the station's own rows have
-- `gseq` NULL. What changes, and what each change costs one of the station's own scans:
--
-- * `sync_state`, one row: this database's instance id (a random UUID made here, so every
--   station database has its own and a copy of one is recognised at the centre), the last own
--   scan seq the centre acknowledged (`acked_seq`, with `acked_movement_seq`, the last
--   movement of that scan or before it, so the outbox reads the journal from there and never
--   from its start), the pull cursor (`gseq`), the last good round and the last error.
--   Own scan: nothing, a round writes it.
-- * `scans.gseq` and `movements.gseq`: added at the end of the row, NULL for own rows. Own
--   scan: one byte of record header per row, no index.
-- * `document_closes`: which scan closed which document (`CMD-DONE`), for the outbox. Own
--   scan: nothing unless it closes a document, then one row.
-- * `conflicts`: what the centre found, as it sent it (natural keys). Own scan: nothing.
-- * The journal's triggers: pulled rows are facts. Another station's movement happened; this
--   station's stock could not have known, and a refusal would stop the pull cursor for good.
--   So every refusing trigger now runs for own rows only (`NEW.gseq IS NULL` in its WHEN),
--   with the same body as before, and pulled rows go through triggers that only set the
--   projections: stock out of a location may go below zero, and a pulled serial movement
--   puts the serial where that station put it (in stock at its destination, shipped, or
--   forgotten), whatever this station thought. Own scan: one more term in each refusing
--   trigger's WHEN and two more WHENs to evaluate (false, no body run); the same pages read
--   and written as before.
-- * `stock` is rebuilt without `CHECK (qty >= 0)` (SQLite cannot drop a CHECK in place):
--   a pulled fact may take it below zero. Own rows are still refused before the decrement
--   (the check in `movements_stock_out`). Same key, same indexes: an own scan writes the
--   same pages.
--
-- `db verify` rebuilds both projections from the whole journal, pulled rows included, by
-- the same rules the pulled triggers apply (stock: sum in minus out; serial: its last
-- movement), so it needs no change.

CREATE TABLE sync_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id         BLOB NOT NULL CHECK (length(instance_id) = 16),
    acked_seq           INTEGER NOT NULL DEFAULT 0,
    acked_movement_seq  INTEGER NOT NULL DEFAULT 0,
    gseq                INTEGER NOT NULL DEFAULT 0,
    last_sync           TEXT,
    last_error          TEXT
);
-- A version 4 (random) UUID: 122 random bits, the version nibble 4 and the variant bits 10.
INSERT INTO sync_state (id, instance_id)
SELECT 1, unhex(substr(h, 1, 12) || '4' || substr(h, 14, 3)
                || substr('89AB', 1 + abs(random() % 4), 1) || substr(h, 18, 15))
FROM (SELECT hex(randomblob(16)) AS h);

ALTER TABLE scans ADD COLUMN gseq INTEGER;
ALTER TABLE movements ADD COLUMN gseq INTEGER;

CREATE TABLE document_closes (
    scan_id      BLOB PRIMARY KEY REFERENCES scans (id),
    document_id  INTEGER NOT NULL REFERENCES documents (id)
) WITHOUT ROWID;
-- Documents closed before this version: the first scan at the time it was closed.
INSERT OR IGNORE INTO document_closes (scan_id, document_id)
SELECT (SELECT s.id FROM scans s WHERE s.at = d.closed_at AND s.outcome <> 'error'
        ORDER BY s.seq LIMIT 1), d.id
FROM documents d
WHERE d.status = 'closed'
  AND EXISTS (SELECT 1 FROM scans s WHERE s.at = d.closed_at AND s.outcome <> 'error');

CREATE TABLE conflicts (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('serial_duplicate', 'shipped_quarantined', 'negative_stock')),
    product      TEXT NOT NULL,
    lot          TEXT,
    serial       TEXT,
    location     TEXT,
    stations     TEXT NOT NULL,
    detected_at  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution   TEXT
);

-- The triggers that read or write the projections go, and come back below.
DROP TRIGGER movements_stock_out;
DROP TRIGGER movements_stock_in;
DROP TRIGGER movements_serial_new_in;
DROP TRIGGER movements_serial_back_in;
DROP TRIGGER movements_serial_move;
DROP TRIGGER movements_serial_ship;
DROP TRIGGER movements_serial_gone;

CREATE TABLE stock_v4 (
    product_id   INTEGER NOT NULL REFERENCES products (id),
    location_id  INTEGER NOT NULL REFERENCES locations (id),
    lot_id       INTEGER NOT NULL DEFAULT 0,
    qty          INTEGER NOT NULL,
    PRIMARY KEY (product_id, location_id, lot_id)
) WITHOUT ROWID;
INSERT INTO stock_v4 (product_id, location_id, lot_id, qty)
SELECT product_id, location_id, lot_id, qty FROM stock;
DROP TABLE stock;
ALTER TABLE stock_v4 RENAME TO stock;
CREATE INDEX stock_by_location ON stock (location_id);
CREATE INDEX stock_by_lot ON stock (lot_id) WHERE lot_id <> 0;

-- Stock out of a location, own movement: refused when there is not enough.
CREATE TRIGGER movements_stock_out AFTER INSERT ON movements
WHEN NEW.from_location_id IS NOT NULL AND NEW.gseq IS NULL BEGIN
    SELECT RAISE(ABORT, 'scantrail:insufficient_stock: not enough stock at the source location')
    WHERE ifnull((SELECT qty FROM stock
                  WHERE product_id = NEW.product_id AND location_id = NEW.from_location_id
                    AND lot_id = ifnull(NEW.lot_id, 0)), 0) < NEW.qty;
    UPDATE stock SET qty = qty - NEW.qty
    WHERE product_id = NEW.product_id AND location_id = NEW.from_location_id
      AND lot_id = ifnull(NEW.lot_id, 0);
END;

-- Stock out of a location, pulled fact: taken, even below zero.
CREATE TRIGGER movements_stock_out_pulled AFTER INSERT ON movements
WHEN NEW.from_location_id IS NOT NULL AND NEW.gseq IS NOT NULL BEGIN
    INSERT INTO stock (product_id, location_id, lot_id, qty)
    VALUES (NEW.product_id, NEW.from_location_id, ifnull(NEW.lot_id, 0), -NEW.qty)
    ON CONFLICT (product_id, location_id, lot_id) DO UPDATE SET qty = qty + excluded.qty;
END;

-- Stock into a location, own or pulled (as in version 1).
CREATE TRIGGER movements_stock_in AFTER INSERT ON movements
WHEN NEW.to_location_id IS NOT NULL BEGIN
    INSERT INTO stock (product_id, location_id, lot_id, qty)
    VALUES (NEW.product_id, NEW.to_location_id, ifnull(NEW.lot_id, 0), NEW.qty)
    ON CONFLICT (product_id, location_id, lot_id) DO UPDATE SET qty = qty + excluded.qty;
END;

-- Serials, own movements: as in version 1 (see the comment in 001_initial.sql), for rows
-- with no gseq.
CREATE TRIGGER movements_serial_new_in AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL AND NEW.from_location_id IS NULL
 AND NOT (NEW.kind = 'return'
          OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'ship'))
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_exists: the serial is already known')
    WHERE EXISTS (SELECT 1 FROM serials WHERE product_id = NEW.product_id AND serial = NEW.serial);
    INSERT INTO serials (product_id, serial, lot_id, status, location_id)
    VALUES (NEW.product_id, NEW.serial, NEW.lot_id, 'in_stock', NEW.to_location_id);
END;

CREATE TRIGGER movements_serial_back_in AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL AND NEW.from_location_id IS NULL
 AND (NEW.kind = 'return'
      OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'ship'))
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_lot_mismatch: the movement names another lot than the serial belongs to')
    WHERE EXISTS (SELECT 1 FROM serials
                  WHERE product_id = NEW.product_id AND serial = NEW.serial AND lot_id IS NOT NEW.lot_id);
    SELECT RAISE(ABORT, 'scantrail:serial_not_shipped: the serial has not been shipped')
    WHERE NOT EXISTS (SELECT 1 FROM serials
                      WHERE product_id = NEW.product_id AND serial = NEW.serial AND status = 'shipped');
    UPDATE serials SET status = 'in_stock', location_id = NEW.to_location_id
    WHERE product_id = NEW.product_id AND serial = NEW.serial;
END;

CREATE TRIGGER movements_serial_move AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL
 AND NEW.from_location_id IS NOT NULL AND NEW.to_location_id IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_lot_mismatch: the movement names another lot than the serial belongs to')
    WHERE EXISTS (SELECT 1 FROM serials
                  WHERE product_id = NEW.product_id AND serial = NEW.serial AND lot_id IS NOT NEW.lot_id);
    SELECT RAISE(ABORT, 'scantrail:serial_not_here: the serial is not in stock at the source location')
    WHERE NOT EXISTS (SELECT 1 FROM serials
                      WHERE product_id = NEW.product_id AND serial = NEW.serial
                        AND status = 'in_stock' AND location_id = NEW.from_location_id);
    UPDATE serials SET location_id = NEW.to_location_id
    WHERE product_id = NEW.product_id AND serial = NEW.serial;
END;

CREATE TRIGGER movements_serial_ship AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL AND NEW.to_location_id IS NULL
 AND (NEW.kind = 'ship'
      OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'return'))
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_lot_mismatch: the movement names another lot than the serial belongs to')
    WHERE EXISTS (SELECT 1 FROM serials
                  WHERE product_id = NEW.product_id AND serial = NEW.serial AND lot_id IS NOT NEW.lot_id);
    SELECT RAISE(ABORT, 'scantrail:serial_not_here: the serial is not in stock at the source location')
    WHERE NOT EXISTS (SELECT 1 FROM serials
                      WHERE product_id = NEW.product_id AND serial = NEW.serial
                        AND status = 'in_stock' AND location_id = NEW.from_location_id);
    UPDATE serials SET status = 'shipped', location_id = NULL
    WHERE product_id = NEW.product_id AND serial = NEW.serial;
END;

CREATE TRIGGER movements_serial_gone AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL AND NEW.to_location_id IS NULL
 AND NOT (NEW.kind = 'ship'
          OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'return'))
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_lot_mismatch: the movement names another lot than the serial belongs to')
    WHERE EXISTS (SELECT 1 FROM serials
                  WHERE product_id = NEW.product_id AND serial = NEW.serial AND lot_id IS NOT NEW.lot_id);
    SELECT RAISE(ABORT, 'scantrail:serial_not_here: the serial is not in stock at the source location')
    WHERE NOT EXISTS (SELECT 1 FROM serials
                      WHERE product_id = NEW.product_id AND serial = NEW.serial
                        AND status = 'in_stock' AND location_id = NEW.from_location_id);
    DELETE FROM serials WHERE product_id = NEW.product_id AND serial = NEW.serial;
END;

-- Serials, pulled facts: the serial ends where the movement put it, with the movement's lot
-- (the rule `db verify` rebuilds by: a serial's last movement says where it is). Into a
-- location: in stock there, known here or not; to a customer (a shipment, the undo of a
-- return): shipped, even if this station had it elsewhere or never saw it; out otherwise
-- (a write-off, an undone receipt): forgotten.
CREATE TRIGGER movements_serial_pulled AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NOT NULL
BEGIN
    INSERT INTO serials (product_id, serial, lot_id, status, location_id)
    SELECT NEW.product_id, NEW.serial, NEW.lot_id, 'in_stock', NEW.to_location_id
    WHERE NEW.to_location_id IS NOT NULL
    ON CONFLICT (product_id, serial) DO UPDATE
        SET lot_id = excluded.lot_id, status = 'in_stock', location_id = excluded.location_id;
    INSERT INTO serials (product_id, serial, lot_id, status, location_id)
    SELECT NEW.product_id, NEW.serial, NEW.lot_id, 'shipped', NULL
    WHERE NEW.to_location_id IS NULL
      AND (NEW.kind = 'ship'
           OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'return'))
    ON CONFLICT (product_id, serial) DO UPDATE
        SET lot_id = excluded.lot_id, status = 'shipped', location_id = NULL;
    DELETE FROM serials
    WHERE NEW.to_location_id IS NULL
      AND NOT (NEW.kind = 'ship'
               OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'return'))
      AND product_id = NEW.product_id AND serial = NEW.serial;
END;
