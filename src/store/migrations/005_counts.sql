-- scantrail schema, version 5: cycle counts (SPEC §4, `count`).
--
-- * `counts`: each booked count is a document of its own, kept by the scan that booked it
--   (its group): the reference (`COUNT-A-01-3-2026-12-01`) and the location counted; the
--   station, operator and time are the scan's. A count pulled from another station comes
--   with its group. References are not unique across stations (two stations may count the
--   same bin on the same day); the scan id is the key. Own scan: nothing unless it books a
--   count, then one row.
-- * Serials get a third status, `missing`: a serial the books had at a location and a count
--   did not find. A count books it out by an `adjust` movement to the inventory-adjustment
--   side (no location); before this version an adjust out made the projection forget the
--   serial, no scan wrote one, so no row changes. `serials` is rebuilt for the new CHECK
--   (SQLite cannot change one in place), with the same key, and the triggers that read it
--   come back with these rules:
--     new in    (receive, adjust in, undo of an adjust out): the serial must be unknown — or
--               missing, for an adjust in or the undo of an adjust out (found again; the lot
--               must be its lot; a receipt of a missing serial is refused); in stock at the
--               destination.
--     back in   (return, undo of a shipment): shipped or missing; in stock.
--     move      unchanged: in stock at the source.
--     ship      unchanged.
--     lost      (adjust out, undo of an adjust in): in stock at the source; missing, with no
--               location.
--     gone      (undo of a receipt, otherwise): unchanged, forgotten.
--   Pulled facts: the serial ends where the movement put it, as before, and a pulled adjust
--   out (or undo of an adjust in) makes it missing. `db verify` rebuilds by the same rule.
--   Own scan: the same pages as before; a serial adjust reads one row more (its kind).

CREATE TABLE counts (
    scan_id      BLOB PRIMARY KEY REFERENCES scans (id),
    ref          TEXT NOT NULL,
    location_id  INTEGER NOT NULL REFERENCES locations (id)
) WITHOUT ROWID;

DROP TRIGGER movements_serial_new_in;
DROP TRIGGER movements_serial_back_in;
DROP TRIGGER movements_serial_move;
DROP TRIGGER movements_serial_ship;
DROP TRIGGER movements_serial_gone;
DROP TRIGGER movements_serial_pulled;

CREATE TABLE serials_v5 (
    product_id   INTEGER NOT NULL REFERENCES products (id),
    serial       TEXT NOT NULL,
    lot_id       INTEGER REFERENCES lots (id),
    status       TEXT NOT NULL CHECK (status IN ('in_stock', 'shipped', 'missing')),
    location_id  INTEGER REFERENCES locations (id),
    PRIMARY KEY (product_id, serial),
    CHECK ((status = 'in_stock') = (location_id IS NOT NULL))
) WITHOUT ROWID;
INSERT INTO serials_v5 (product_id, serial, lot_id, status, location_id)
SELECT product_id, serial, lot_id, status, location_id FROM serials;
DROP TABLE serials;
ALTER TABLE serials_v5 RENAME TO serials;

CREATE TRIGGER movements_serial_new_in AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL AND NEW.from_location_id IS NULL
 AND NOT (NEW.kind = 'return'
          OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'ship'))
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_exists: the serial is already known')
    WHERE EXISTS (SELECT 1 FROM serials WHERE product_id = NEW.product_id AND serial = NEW.serial
                    AND (status <> 'missing'
                         OR NOT (NEW.kind = 'adjust'
                                 OR (NEW.kind = 'reversal'
                                     AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'adjust'))));
    SELECT RAISE(ABORT, 'scantrail:serial_lot_mismatch: the movement names another lot than the serial belongs to')
    WHERE EXISTS (SELECT 1 FROM serials
                  WHERE product_id = NEW.product_id AND serial = NEW.serial AND lot_id IS NOT NEW.lot_id);
    INSERT INTO serials (product_id, serial, lot_id, status, location_id)
    VALUES (NEW.product_id, NEW.serial, NEW.lot_id, 'in_stock', NEW.to_location_id)
    ON CONFLICT (product_id, serial) DO UPDATE
        SET status = 'in_stock', location_id = excluded.location_id;
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
                      WHERE product_id = NEW.product_id AND serial = NEW.serial
                        AND status IN ('shipped', 'missing'));
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

CREATE TRIGGER movements_serial_lost AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL AND NEW.to_location_id IS NULL
 AND (NEW.kind = 'adjust'
      OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'adjust'))
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_lot_mismatch: the movement names another lot than the serial belongs to')
    WHERE EXISTS (SELECT 1 FROM serials
                  WHERE product_id = NEW.product_id AND serial = NEW.serial AND lot_id IS NOT NEW.lot_id);
    SELECT RAISE(ABORT, 'scantrail:serial_not_here: the serial is not in stock at the source location')
    WHERE NOT EXISTS (SELECT 1 FROM serials
                      WHERE product_id = NEW.product_id AND serial = NEW.serial
                        AND status = 'in_stock' AND location_id = NEW.from_location_id);
    UPDATE serials SET status = 'missing', location_id = NULL
    WHERE product_id = NEW.product_id AND serial = NEW.serial;
END;

CREATE TRIGGER movements_serial_gone AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.gseq IS NULL AND NEW.to_location_id IS NULL
 AND NOT (NEW.kind IN ('ship', 'adjust')
          OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) IN ('return', 'adjust')))
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

-- Serials, pulled facts: where the movement put it (as in version 4), and missing after a
-- pulled adjust out or undo of an adjust in.
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
    INSERT INTO serials (product_id, serial, lot_id, status, location_id)
    SELECT NEW.product_id, NEW.serial, NEW.lot_id, 'missing', NULL
    WHERE NEW.to_location_id IS NULL
      AND (NEW.kind = 'adjust'
           OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'adjust'))
    ON CONFLICT (product_id, serial) DO UPDATE
        SET lot_id = excluded.lot_id, status = 'missing', location_id = NULL;
    DELETE FROM serials
    WHERE NEW.to_location_id IS NULL
      AND NOT (NEW.kind IN ('ship', 'adjust')
               OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) IN ('return', 'adjust')))
      AND product_id = NEW.product_id AND serial = NEW.serial;
END;
