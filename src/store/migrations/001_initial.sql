-- scantrail schema, version 1.
--
-- The movement journal and the scan log are append-only: triggers refuse UPDATE and DELETE.
-- Stock levels and serial states are projections of the journal, kept by triggers in the
-- same transaction as the movement that changes them, so no code path can write a movement
-- without its projections, make stock negative, or put one serial in two places.
-- Catalog rows (products, locations, partners, documents, lots) use local integer ids; the
-- journal and the scan log carry UUIDv7 ids and the station's name, so the journals of many
-- stations can be merged into one database, matching catalog rows by their natural keys
-- (sku, location code, partner name, document ref, product + lot code).

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    sku             TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    tracking        TEXT NOT NULL CHECK (tracking IN ('none', 'lot', 'serial')),
    serial_pattern  TEXT
);

-- GTINs are kept as GTIN-14; any other barcode text as printed.
CREATE TABLE product_barcodes (
    code        TEXT PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products (id),
    units       INTEGER NOT NULL DEFAULT 1 CHECK (units >= 1)
) WITHOUT ROWID;
CREATE INDEX product_barcodes_by_product ON product_barcodes (product_id);

CREATE TABLE locations (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES locations (id)
);
CREATE INDEX locations_by_parent ON locations (parent_id);

CREATE TABLE partners (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    ref         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('purchase', 'sale', 'return')),
    partner_id  INTEGER NOT NULL REFERENCES partners (id),
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at   TEXT
);

CREATE TABLE document_lines (
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    line_no      INTEGER NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products (id),
    qty          INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (document_id, line_no)
) WITHOUT ROWID;

CREATE TABLE lots (
    id             INTEGER PRIMARY KEY,
    product_id     INTEGER NOT NULL REFERENCES products (id),
    code           TEXT NOT NULL,
    expiry         TEXT CHECK (expiry IS NULL OR expiry GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'quarantined')),
    status_reason  TEXT,
    UNIQUE (product_id, code)
);
CREATE INDEX lots_by_code ON lots (code);

-- Every quarantine and release, with who and why: append-only.
CREATE TABLE lot_status_log (
    seq      INTEGER PRIMARY KEY,
    lot_id   INTEGER NOT NULL REFERENCES lots (id),
    at       TEXT NOT NULL,
    station  TEXT NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('active', 'quarantined')),
    reason   TEXT NOT NULL
);

-- Every scan, whatever its outcome.
CREATE TABLE scans (
    seq       INTEGER PRIMARY KEY,
    id        BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    at        TEXT NOT NULL,
    station   TEXT NOT NULL,
    operator  TEXT,
    device    TEXT,
    raw       TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok', 'warn', 'error', 'info')),
    message   TEXT NOT NULL
);

-- The journal. A group is the movements of one scan; its id is the scan's id.
CREATE TABLE movements (
    seq               INTEGER PRIMARY KEY,
    id                BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
    group_id          BLOB NOT NULL REFERENCES scans (id),
    at                TEXT NOT NULL,
    station           TEXT NOT NULL,
    operator          TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('receive', 'transfer', 'ship', 'return', 'adjust', 'reversal')),
    document_id       INTEGER REFERENCES documents (id),
    product_id        INTEGER NOT NULL REFERENCES products (id),
    lot_id            INTEGER REFERENCES lots (id),
    serial            TEXT,
    qty               INTEGER NOT NULL CHECK (qty > 0),
    from_location_id  INTEGER REFERENCES locations (id),
    to_location_id    INTEGER REFERENCES locations (id),
    partner_id        INTEGER REFERENCES partners (id),
    reverses          BLOB REFERENCES movements (id),
    CHECK (from_location_id IS NOT NULL OR to_location_id IS NOT NULL),
    CHECK (from_location_id IS NOT to_location_id),
    CHECK (serial IS NULL OR qty = 1),
    CHECK ((kind = 'reversal') = (reverses IS NOT NULL))
);
CREATE INDEX movements_by_group ON movements (group_id);
CREATE INDEX movements_by_serial ON movements (serial, product_id) WHERE serial IS NOT NULL;
CREATE INDEX movements_by_lot ON movements (lot_id) WHERE lot_id IS NOT NULL;
CREATE INDEX movements_by_document ON movements (document_id) WHERE document_id IS NOT NULL;
-- A movement is reversed at most once.
CREATE UNIQUE INDEX movements_reversed_once ON movements (reverses) WHERE reverses IS NOT NULL;

CREATE TRIGGER movements_append_only_update BEFORE UPDATE ON movements BEGIN
    SELECT RAISE(ABORT, 'scantrail:append_only: the movement journal is append-only; movements are never changed, an undo appends a reversal');
END;
CREATE TRIGGER movements_append_only_delete BEFORE DELETE ON movements BEGIN
    SELECT RAISE(ABORT, 'scantrail:append_only: the movement journal is append-only; movements are never deleted, an undo appends a reversal');
END;
CREATE TRIGGER scans_append_only_update BEFORE UPDATE ON scans BEGIN
    SELECT RAISE(ABORT, 'scantrail:append_only: the scan log is append-only');
END;
CREATE TRIGGER scans_append_only_delete BEFORE DELETE ON scans BEGIN
    SELECT RAISE(ABORT, 'scantrail:append_only: the scan log is append-only');
END;
CREATE TRIGGER lot_status_log_append_only_update BEFORE UPDATE ON lot_status_log BEGIN
    SELECT RAISE(ABORT, 'scantrail:append_only: the lot status log is append-only');
END;
CREATE TRIGGER lot_status_log_append_only_delete BEFORE DELETE ON lot_status_log BEGIN
    SELECT RAISE(ABORT, 'scantrail:append_only: the lot status log is append-only');
END;

-- Projection: quantity on hand by product, location and lot (lot_id 0: no lot).
CREATE TABLE stock (
    product_id   INTEGER NOT NULL REFERENCES products (id),
    location_id  INTEGER NOT NULL REFERENCES locations (id),
    lot_id       INTEGER NOT NULL DEFAULT 0,
    qty          INTEGER NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (product_id, location_id, lot_id)
) WITHOUT ROWID;
CREATE INDEX stock_by_location ON stock (location_id);
CREATE INDEX stock_by_lot ON stock (lot_id) WHERE lot_id <> 0;

-- Projection: where each known serial is. (product, serial) is unique.
CREATE TABLE serials (
    product_id   INTEGER NOT NULL REFERENCES products (id),
    serial       TEXT NOT NULL,
    lot_id       INTEGER REFERENCES lots (id),
    status       TEXT NOT NULL CHECK (status IN ('in_stock', 'shipped')),
    location_id  INTEGER REFERENCES locations (id),
    PRIMARY KEY (product_id, serial),
    CHECK ((status = 'in_stock') = (location_id IS NOT NULL))
) WITHOUT ROWID;
CREATE INDEX serials_by_serial ON serials (serial);
CREATE INDEX serials_by_location ON serials (location_id) WHERE location_id IS NOT NULL;

-- Stock out of a location: refused when there is not enough.
CREATE TRIGGER movements_stock_out AFTER INSERT ON movements
WHEN NEW.from_location_id IS NOT NULL BEGIN
    SELECT RAISE(ABORT, 'scantrail:insufficient_stock: not enough stock at the source location')
    WHERE ifnull((SELECT qty FROM stock
                  WHERE product_id = NEW.product_id AND location_id = NEW.from_location_id
                    AND lot_id = ifnull(NEW.lot_id, 0)), 0) < NEW.qty;
    UPDATE stock SET qty = qty - NEW.qty
    WHERE product_id = NEW.product_id AND location_id = NEW.from_location_id
      AND lot_id = ifnull(NEW.lot_id, 0);
END;

-- Stock into a location.
CREATE TRIGGER movements_stock_in AFTER INSERT ON movements
WHEN NEW.to_location_id IS NOT NULL BEGIN
    INSERT INTO stock (product_id, location_id, lot_id, qty)
    VALUES (NEW.product_id, NEW.to_location_id, ifnull(NEW.lot_id, 0), NEW.qty)
    ON CONFLICT (product_id, location_id, lot_id) DO UPDATE SET qty = qty + excluded.qty;
END;

-- Serials. What a serial movement does depends on its sides and its kind; a reversal does
-- the opposite of the movement it reverses:
--   new in:   from outside, not a return (receive, adjust in, undo of adjust out): the serial
--             must be unknown; it becomes in stock at the destination.
--   back in:  from outside, a return or the undo of a shipment: it must be shipped.
--   move:     location to location: it must be in stock at the source.
--   ship:     to outside, a shipment or the undo of a return: it must be in stock at the
--             source; it becomes shipped.
--   gone:     to outside otherwise (adjust out, undo of a receipt or of an adjust in): it
--             must be in stock at the source; it is forgotten by the projection (the journal
--             keeps its history).
-- A serial's movements always name the serial's own lot, so stock by lot stays true.
CREATE TRIGGER movements_serial_new_in AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.from_location_id IS NULL
 AND NOT (NEW.kind = 'return'
          OR (NEW.kind = 'reversal' AND (SELECT kind FROM movements WHERE id = NEW.reverses) = 'ship'))
BEGIN
    SELECT RAISE(ABORT, 'scantrail:serial_exists: the serial is already known')
    WHERE EXISTS (SELECT 1 FROM serials WHERE product_id = NEW.product_id AND serial = NEW.serial);
    INSERT INTO serials (product_id, serial, lot_id, status, location_id)
    VALUES (NEW.product_id, NEW.serial, NEW.lot_id, 'in_stock', NEW.to_location_id);
END;

CREATE TRIGGER movements_serial_back_in AFTER INSERT ON movements
WHEN NEW.serial IS NOT NULL AND NEW.from_location_id IS NULL
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
WHEN NEW.serial IS NOT NULL AND NEW.from_location_id IS NOT NULL AND NEW.to_location_id IS NOT NULL
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
WHEN NEW.serial IS NOT NULL AND NEW.to_location_id IS NULL
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
WHEN NEW.serial IS NOT NULL AND NEW.to_location_id IS NULL
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
