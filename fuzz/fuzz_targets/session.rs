//! Fuzz target for the session (SPEC §4–5) against the warehouse in memory: a random
//! sequence of scans — commands (CMD-QTY- with any number among them), places, documents,
//! products, lots, serials, GS1 in every form, and raw text from the input — with pauses
//! that let pending pairings time out, and the error lock on or off. After every scan:
//! one outcome with a headline and a message; an error proposes nothing and changes only
//! the lock; every movement names a product, a positive quantity and at least one side,
//! a serial movement moves one unit, and no stock goes below zero; a deadline never fires
//! before it is due.

#![no_main]

use chrono::Duration;
use libfuzzer_sys::fuzz_target;
use scantrail::config::Config;
use scantrail::domain::Outcome;
use scantrail::session::memory::{Desk, Warehouse};

const SCANS: &[&str] = &[
    "CMD-RECEIVE",
    "CMD-TRANSFER",
    "CMD-PICK",
    "CMD-RETURN",
    "CMD-LOOKUP",
    "CMD-COUNT",
    "CMD-DONE",
    "CMD-CANCEL",
    "CMD-UNDO",
    "CMD-QTY-2",
    "CMD-QTY-99999",
    "CMD-ACK",
    "CMD-LOGOUT",
    "OP-maria",
    "OP-",
    "LOC-DOCK",
    "LOC-A-01-3",
    "LOC-B-02",
    "LOC-B-01",
    "LOC-PACK",
    "LOC-RETURNS",
    "LOC-",
    "PO-1042",
    "SO-7781",
    "PO-",
    "RMA-301",
    "0614141000029",
    "0614141000012",
    "10614141000019",
    "CABLE-1M",
    "L2026-118",
    "L2026-131",
    "L-NEW-1",
    "SN-4471-0091",
    "SN-4471-0092",
    "SN-4471-0093",
    "SN-4471-0096",
    "]d2010061414100001210L2026-118\u{1d}17270131",
    "]d20100614141000029\u{1d}21SN-4471-0098",
    "]C1010061414100001230",
    "https://id.example.com/01/00614141000012/10/L-NEW-1",
    "(01)00614141000029(21)SN-4471-0099",
    "(10)L2026-131",
];

fuzz_target!(|data: &[u8]| {
    let Some((&setup, script)) = data.split_first() else {
        return;
    };
    let mut config = Config::default();
    config.feedback.error_requires_ack = setup & 1 == 1;
    let mut desk = Desk::with(Warehouse::demo(), &config);
    for line in script.split(|b| *b == b'\n').take(200) {
        let Some((&pick, rest)) = line.split_first() else {
            continue;
        };
        let raw = String::from_utf8_lossy(rest);
        let text = match SCANS.get(usize::from(pick)) {
            Some(scan) if rest.is_empty() => (*scan).to_owned(),
            Some(scan) => format!("{scan}{raw}"),
            None if pick == 0xff => format!("CMD-QTY-{raw}"),
            None => raw.into_owned(),
        };
        if pick & 0x80 != 0 && pick != 0xff {
            // A pause: let a pending pairing's deadline pass, and check it fires no earlier.
            if let Some(due) = desk.session.deadline() {
                assert!(
                    desk.session
                        .on_deadline(due - Duration::milliseconds(1))
                        .is_none()
                );
                let _ = desk.session.on_deadline(due);
                assert!(desk.session.deadline().is_none_or(|d| d > due));
            }
            desk.clock += Duration::seconds(i64::from(pick & 0x7f) * 5);
        }
        let before = desk.session.state().clone();
        let proposal = desk.scan(&text);
        let feedback = &proposal.feedback;
        assert!(
            !feedback.headline.is_empty() && !feedback.message.is_empty(),
            "{text:?}"
        );
        if feedback.outcome == Outcome::Error {
            assert!(
                proposal.movements.is_empty(),
                "{text:?}: an error moved stock"
            );
            let mut after = desk.session.state().clone();
            after.lock = before.lock.clone();
            assert_eq!(after, before, "{text:?}: an error changed the state");
        }
        for m in &proposal.movements {
            assert!(!m.sku.is_empty(), "{text:?}: {m:?}");
            assert!(m.qty >= 1, "{text:?}: {m:?}");
            assert!(m.from.is_some() || m.to.is_some(), "{text:?}: {m:?}");
            if m.serial.is_some() {
                assert_eq!(m.qty, 1, "{text:?}: {m:?}");
            }
        }
        if let Some((key, qty)) = desk.world.below_zero() {
            panic!("{text:?} left {qty} of {key:?}");
        }
    }
});
