//! `db verify`: rebuild the projections (stock and serials) from the journal alone, by a
//! different road than the triggers that keep them, and list every difference.

use super::{Result, Store};

/// One place where a projection and the journal disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What differs, in natural keys: "stock SKU-1 lot L1 at A-01" or "serial SKU-1 SN-9".
    pub what: String,
    /// What the projection says.
    pub projection: String,
    /// What the journal says.
    pub journal: String,
}

impl Store {
    /// Rebuilds stock and serial states from the journal and compares them with the
    /// projections; an empty list means they agree.
    pub fn verify(&self) -> Result<Vec<Difference>> {
        let mut out = Vec::new();
        let mut st = self.conn.prepare(
            "WITH journal AS (
                 SELECT product_id, location_id, lot_id, sum(qty) AS qty FROM (
                     SELECT product_id, to_location_id AS location_id, ifnull(lot_id, 0) AS lot_id, qty
                     FROM movements WHERE to_location_id IS NOT NULL
                     UNION ALL
                     SELECT product_id, from_location_id, ifnull(lot_id, 0), -qty
                     FROM movements WHERE from_location_id IS NOT NULL
                 ) GROUP BY product_id, location_id, lot_id HAVING sum(qty) <> 0
             ),
             projection AS (SELECT product_id, location_id, lot_id, qty FROM stock WHERE qty <> 0),
             diff AS (
                 SELECT j.product_id, j.location_id, j.lot_id, p.qty AS pq, j.qty AS jq
                 FROM journal j LEFT JOIN projection p USING (product_id, location_id, lot_id)
                 WHERE p.qty IS NOT j.qty
                 UNION ALL
                 SELECT p.product_id, p.location_id, p.lot_id, p.qty, NULL
                 FROM projection p LEFT JOIN journal j USING (product_id, location_id, lot_id)
                 WHERE j.qty IS NULL
             )
             SELECT pr.sku, lt.code, l.code, d.pq, d.jq FROM diff d
             JOIN products pr ON pr.id = d.product_id
             JOIN locations l ON l.id = d.location_id
             LEFT JOIN lots lt ON lt.id = d.lot_id
             ORDER BY pr.sku, l.code, lt.code",
        )?;
        let rows = st.query_map([], |r| {
            let lot: Option<String> = r.get(1)?;
            let qty = |v: Option<i64>| v.map_or("nothing".to_owned(), |q| q.to_string());
            Ok(Difference {
                what: format!(
                    "stock {}{} at {}",
                    r.get::<_, String>(0)?,
                    lot.map(|l| format!(" lot {l}")).unwrap_or_default(),
                    r.get::<_, String>(2)?
                ),
                projection: qty(r.get(3)?),
                journal: qty(r.get(4)?),
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        // The last movement of each serial says where it is: at its destination; shipped if
        // it went to a customer (a shipment, or the undo of a return); missing if a count did
        // not find it (an adjust out, or the undo of an adjust in); otherwise gone.
        let mut st = self.conn.prepare(
            "WITH last AS (
                 SELECT product_id, serial, lot_id, status, location_id FROM (
                     SELECT m.product_id, m.serial, m.lot_id, m.to_location_id AS location_id,
                            CASE WHEN m.to_location_id IS NOT NULL THEN 'in_stock'
                                 WHEN m.kind = 'ship' OR (m.kind = 'reversal' AND o.kind = 'return') THEN 'shipped'
                                 WHEN m.kind = 'adjust' OR (m.kind = 'reversal' AND o.kind = 'adjust') THEN 'missing'
                            END AS status,
                            row_number() OVER (PARTITION BY m.product_id, m.serial ORDER BY m.seq DESC) AS n
                     FROM movements m LEFT JOIN movements o ON o.id = m.reverses
                     WHERE m.serial IS NOT NULL
                 ) WHERE n = 1 AND status IS NOT NULL
             ),
             diff AS (
                 SELECT j.product_id, j.serial,
                        s.status AS ps, s.location_id AS pl, s.lot_id AS plot,
                        j.status AS js, j.location_id AS jl, j.lot_id AS jlot
                 FROM last j LEFT JOIN serials s USING (product_id, serial)
                 WHERE s.status IS NOT j.status OR s.location_id IS NOT j.location_id
                    OR s.lot_id IS NOT j.lot_id
                 UNION ALL
                 SELECT s.product_id, s.serial, s.status, s.location_id, s.lot_id, NULL, NULL, NULL
                 FROM serials s LEFT JOIN last j USING (product_id, serial)
                 WHERE j.status IS NULL
             )
             SELECT p.sku, d.serial, d.ps, pl.code, plot.code, d.js, jl.code, jlot.code FROM diff d
             JOIN products p ON p.id = d.product_id
             LEFT JOIN locations pl ON pl.id = d.pl LEFT JOIN lots plot ON plot.id = d.plot
             LEFT JOIN locations jl ON jl.id = d.jl LEFT JOIN lots jlot ON jlot.id = d.jlot
             ORDER BY p.sku, d.serial",
        )?;
        let rows = st.query_map([], |r| {
            let state =
                |status: Option<String>, at: Option<String>, lot: Option<String>| match status {
                    None => "not in the books".to_owned(),
                    Some(s) => format!(
                        "{s}{}{}",
                        at.map(|a| format!(" at {a}")).unwrap_or_default(),
                        lot.map(|l| format!(", lot {l}")).unwrap_or_default()
                    ),
                };
            Ok(Difference {
                what: format!(
                    "serial {} {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?
                ),
                projection: state(r.get(2)?, r.get(3)?, r.get(4)?),
                journal: state(r.get(5)?, r.get(6)?, r.get(7)?),
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        Ok(out)
    }
}
