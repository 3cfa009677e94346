//! A partial GS1 message — valid element strings whose partner AIs are in another symbol,
//! such as the lot (10) printed beside the GTIN (01) on a carton — completed by the pending
//! pairing: a pending lot takes the message's (10), a pending serial run its (21), and the
//! line is the one the product's GS1 barcode would have made had it carried them. With
//! nothing pending, with the wrong thing pending, or when the message lacks more than a
//! GTIN, the scan is an error that says what is missing.

use super::proposal::{Reject, Step};
use super::{Out, Pending, Session, State, World, lines};
use crate::barcode::gs1::Gs1Partial;
use chrono::{DateTime, Utc};

impl Session {
    /// Completes `message` with the pending product as its (01), or says why it cannot.
    pub(super) fn partial_gs1(
        &self,
        next: &mut State,
        now: DateTime<Utc>,
        message: &Gs1Partial,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        if !message.needs_only_gtin() {
            return Err(Reject::new(
                "INCOMPLETE BARCODE",
                format!(
                    "This GS1 barcode has {} but not {}: it cannot be used on its own; scan a barcode that has them all",
                    message.has(),
                    message.lacks()
                ),
            ));
        }
        let (product, taken, wanted) = match &next.pending {
            Pending::Lot { product, .. } => (product, message.lot().is_some(), "lot (10)"),
            Pending::Serials { product, .. } => {
                (product, message.serial().is_some(), "serial (21)")
            }
            Pending::None => {
                return Err(Reject::new(
                    "NO PRODUCT",
                    format!(
                        "This GS1 barcode has {} but no product (01): scan the product first, then this barcode",
                        message.has()
                    ),
                ));
            }
        };
        if !taken {
            return Err(Reject::new(
                "NO PRODUCT",
                format!(
                    "This GS1 barcode has {} but no product (01), and {} waits for its {wanted}: scan that",
                    message.has(),
                    product.name
                ),
            ));
        }
        let product = product.clone();
        let line = lines::Line {
            lot: message.lot().map(str::to_owned),
            expiry: message.expiry(now.date_naive()),
            serial: message.serial().map(str::to_owned),
            qty: super::pairing::gs1_count(message.count())?
                .or(next.armed_qty)
                .unwrap_or(product.units),
            product,
        };
        self.gs1_line(next, now, line, world, out)
    }
}
