-- scantrail schema, version 2: two indexes that no query uses, dropped.
--
-- Every index is written on every scan that touches its table; the benchmark of a serial
-- receipt showed 11 pages appended to the WAL per commit against 1 for a bare insert, and
-- these two were among them with nothing reading them:
--   serials_by_location  "which serials are in this bin" is answered from stock.
--   movements_by_group   a group's movements were read only by an API nobody called (undo
--                        keeps its own history in the session).
DROP INDEX IF EXISTS serials_by_location;
DROP INDEX IF EXISTS movements_by_group;
