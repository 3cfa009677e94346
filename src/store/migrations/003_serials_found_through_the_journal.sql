-- scantrail schema, version 3: the serial projection loses its index by serial.
--
-- "Which products have a serial with this text?" (asked of every scan that is no product,
-- location or document) is answered from the journal's index by serial, which every serial
-- movement writes anyway, then the projection's primary key (product, serial). The
-- projection's own index by serial only repeated that, and cost a page on every serial
-- movement.
DROP INDEX IF EXISTS serials_by_serial;
