//! Catalog CSV files → typed rows, each with the file line it came from.
//!
//! The three formats of SPEC §6 (`products.csv`, `locations.csv`, `orders.csv`): a header
//! row naming the columns (any order; an unknown column is refused so that a typo in a header
//! is not silently ignored), UTF-8 (a spreadsheet's byte-order mark is tolerated). Every
//! problem names the file, the line and what to change. Nothing here touches the database:
//! the store writes the rows all-or-nothing.

use crate::barcode::gtin::{Gtin, GtinError};
use crate::config::{BarcodeConfig, escaped};
use crate::domain::{DocumentKind, SerialPattern, Tracking};
use crate::store::{LocationRow, OrderRow, ProductRow};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// A problem with a CSV file: where, and what. The message is shown with its control
/// characters escaped, since it may quote the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {}", line.map(|l| format!(" line {l}")).unwrap_or_default(), escaped(message))]
pub struct CsvError {
    pub file: String,
    pub line: Option<u64>,
    pub message: String,
}

/// The columns of one CSV kind: required, then optional.
struct Columns {
    required: &'static [&'static str],
    optional: &'static [&'static str],
}

const PRODUCTS: Columns = Columns {
    required: &["sku", "name", "tracking", "barcodes"],
    optional: &["serial_pattern"],
};
const LOCATIONS: Columns = Columns {
    required: &["code", "name"],
    optional: &["parent"],
};
const ORDERS: Columns = Columns {
    required: &["ref", "kind", "partner", "sku", "qty"],
    optional: &[],
};

/// The longest value a field may hold, in characters: the longest scan the station reads
/// (`input.max_scan_len`'s default), so that every code can be scanned and every name
/// fits on a screen.
pub const MAX_FIELD_CHARS: usize = 4096;

/// Rows of a CSV file as column name → value, with their lines.
struct Table {
    file: String,
    rows: Vec<(u64, HashMap<&'static str, String>)>,
}

impl Table {
    fn read(file: &str, input: impl Read, columns: &Columns) -> Result<Table, CsvError> {
        let err = |line: Option<u64>, message: String| CsvError {
            file: file.to_owned(),
            line,
            message,
        };
        // Read whole (catalog files are small), so that a record's line is counted from its
        // byte offset: the csv crate's own line count is one short after CRLF line ends.
        let mut data = Vec::new();
        let mut input = input;
        input
            .read_to_end(&mut data)
            .map_err(|e| err(None, format!("cannot read the file: {e}")))?;
        let line_at = |position: Option<&csv::Position>| {
            position.map(|p| {
                // After CRLF the position is at the LF: the record starts past the line end.
                let mut start = usize::try_from(p.byte())
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                while data.get(start).is_some_and(|b| *b == b'\r' || *b == b'\n') {
                    start += 1;
                }
                1 + data[..start].iter().filter(|b| **b == b'\n').count() as u64
            })
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(&data[..]);
        let headers = reader
            .headers()
            .map_err(|e| {
                err(
                    Some(1),
                    format!("cannot read the header row: {}", csv_reason(&e)),
                )
            })?
            .clone();
        let mut index: Vec<(usize, &'static str)> = Vec::new();
        for (i, name) in headers.iter().enumerate() {
            let name = name
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase();
            let known = columns
                .required
                .iter()
                .chain(columns.optional)
                .find(|c| **c == name);
            match known {
                Some(c) if index.iter().any(|(_, seen)| seen == c) => {
                    return Err(err(
                        Some(1),
                        format!("the column '{c}' is in the header row twice"),
                    ));
                }
                Some(c) => index.push((i, c)),
                None => {
                    return Err(err(
                        Some(1),
                        format!(
                            "unknown column '{name}'; the columns are {}{}",
                            columns.required.join(","),
                            columns
                                .optional
                                .iter()
                                .map(|c| format!("[,{c}]"))
                                .collect::<String>()
                        ),
                    ));
                }
            }
        }
        for required in columns.required {
            if !index.iter().any(|(_, c)| c == required) {
                return Err(err(
                    Some(1),
                    format!("the header row has no '{required}' column"),
                ));
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| err(line_at(e.position()), csv_reason(&e)))?;
            let line = line_at(record.position()).unwrap_or(0);
            if record.iter().all(str::is_empty) {
                continue;
            }
            let mut row = HashMap::with_capacity(index.len());
            for &(i, column) in &index {
                let value = record.get(i).unwrap_or("");
                if let Some(c) = value.chars().find(|c| c.is_control()) {
                    return Err(err(
                        Some(line),
                        format!(
                            "{column}: the value contains the control character {}; remove it \
                             (a line break inside quotes counts as one)",
                            c.escape_default()
                        ),
                    ));
                }
                let chars = value.chars().count();
                if chars > MAX_FIELD_CHARS {
                    return Err(err(
                        Some(line),
                        format!(
                            "{column}: the value has {chars} characters, more than the \
                             {MAX_FIELD_CHARS} a field may hold"
                        ),
                    ));
                }
                row.insert(column, value.to_owned());
            }
            rows.push((line, row));
        }
        Ok(Table {
            file: file.to_owned(),
            rows,
        })
    }

    fn error(&self, line: u64, message: impl Into<String>) -> CsvError {
        CsvError {
            file: self.file.clone(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// A column that must not be empty.
    fn needed<'r>(
        &self,
        line: u64,
        row: &'r HashMap<&'static str, String>,
        column: &str,
    ) -> Result<&'r str, CsvError> {
        match row.get(column).map(String::as_str) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(self.error(line, format!("'{column}' is empty"))),
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "this row has {len} fields but the header has {expected_len}; check for a missing or extra comma, or quote a value that contains a comma"
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "this row is not UTF-8 text; save the file as CSV UTF-8".to_owned()
        }
        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
        _ => e.to_string(),
    }
}

fn optional(row: &HashMap<&'static str, String>, column: &str) -> Option<String> {
    row.get(column).filter(|v| !v.is_empty()).cloned()
}

/// The display name of a path, for messages.
pub fn file_label(path: &Path) -> String {
    path.display().to_string()
}

/// Reads `products.csv`: `sku,name,tracking,barcodes[,serial_pattern]`. Barcodes are
/// `;`-separated; `CODE*12` says one scan of CODE counts 12 units (a case). Digit-only codes
/// of 8, 12, 13 or 14 digits are GTINs and must have a valid check digit; they are stored as
/// GTIN-14.
pub fn read_products(file: &str, input: impl Read) -> Result<Vec<ProductRow>, CsvError> {
    let table = Table::read(file, input, &PRODUCTS)?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, row) in &table.rows {
        let line = *line;
        let sku = table.needed(line, row, "sku")?.to_owned();
        let name = table.needed(line, row, "name")?.to_owned();
        let tracking: Tracking = table
            .needed(line, row, "tracking")?
            .parse()
            .map_err(|e| table.error(line, format!("tracking: {e}")))?;
        let mut barcodes = Vec::new();
        for part in row
            .get("barcodes")
            .map(String::as_str)
            .unwrap_or("")
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            barcodes.push(parse_barcode(part).map_err(|m| table.error(line, m))?);
        }
        let serial_pattern = optional(row, "serial_pattern");
        if let Some(p) = &serial_pattern {
            SerialPattern::new(p).map_err(|e| table.error(line, e.to_string()))?;
            if tracking != Tracking::Serial {
                return Err(table.error(
                    line,
                    format!("a serial_pattern is only for products tracked by serial, and '{sku}' is tracked by {tracking}"),
                ));
            }
        }
        out.push(ProductRow {
            line,
            sku,
            name,
            tracking,
            barcodes,
            serial_pattern,
        });
    }
    Ok(out)
}

fn parse_barcode(part: &str) -> Result<(String, u32), String> {
    let (code, units) = match part.rsplit_once('*') {
        Some((code, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            let units: u32 =
                n.parse().ok().filter(|u| *u >= 1).ok_or_else(|| {
                    format!("barcode '{part}': units after '*' must be 1 or more")
                })?;
            (code, units)
        }
        _ => (part, 1),
    };
    if code.bytes().all(|b| b.is_ascii_digit()) && matches!(code.len(), 8 | 12 | 13 | 14) {
        return match Gtin::parse(code) {
            Ok(gtin) => Ok((gtin.as_gtin14(), units)),
            Err(GtinError::CheckDigit { expected, found }) => Err(format!(
                "barcode '{code}' is a GTIN-{} whose check digit should be {expected}, not {found}",
                code.len()
            )),
            Err(e) => Err(format!("barcode '{code}': {e}")),
        };
    }
    if code.chars().any(char::is_control) {
        return Err(format!(
            "barcode '{}' contains a control character",
            code.escape_debug()
        ));
    }
    Ok((code.to_owned(), units))
}

/// Reads `locations.csv`: `code,name[,parent]`. Codes are what follows `LOC-` on the
/// location's barcode.
pub fn read_locations(file: &str, input: impl Read) -> Result<Vec<LocationRow>, CsvError> {
    let table = Table::read(file, input, &LOCATIONS)?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, row) in &table.rows {
        let line = *line;
        let code = table.needed(line, row, "code")?.to_owned();
        if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(table.error(
                line,
                format!(
                    "location code '{}' contains a space or a control character",
                    code.escape_debug()
                ),
            ));
        }
        let parent = optional(row, "parent");
        if parent.as_deref() == Some(code.as_str()) {
            return Err(table.error(line, format!("location '{code}' cannot be its own parent")));
        }
        out.push(LocationRow {
            line,
            name: table.needed(line, row, "name")?.to_owned(),
            code,
            parent,
        });
    }
    Ok(out)
}

/// Reads `orders.csv`: `ref,kind,partner,sku,qty`, one row per order line. A reference must
/// start with the prefix its kind has in the config (`PO-`, `SO-`, `RMA-`), or it could never
/// be scanned.
pub fn read_orders(
    file: &str,
    input: impl Read,
    prefixes: &BarcodeConfig,
) -> Result<Vec<OrderRow>, CsvError> {
    let table = Table::read(file, input, &ORDERS)?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, row) in &table.rows {
        let line = *line;
        let reference = table.needed(line, row, "ref")?.to_owned();
        let kind: DocumentKind = table
            .needed(line, row, "kind")?
            .parse()
            .map_err(|e| table.error(line, format!("kind: {e}")))?;
        let prefix = match kind {
            DocumentKind::Purchase => &prefixes.purchase_prefix,
            DocumentKind::Sale => &prefixes.sale_prefix,
            DocumentKind::Return => &prefixes.return_prefix,
        };
        if !reference.starts_with(prefix.as_str()) {
            return Err(table.error(
                line,
                format!("a {kind} order's reference must start with '{prefix}', and '{reference}' does not"),
            ));
        }
        let qty_text = table.needed(line, row, "qty")?;
        let qty: u32 = qty_text.parse().ok().filter(|q| *q >= 1).ok_or_else(|| {
            table.error(
                line,
                format!("qty '{qty_text}' is not a whole number of 1 or more"),
            )
        })?;
        out.push(OrderRow {
            line,
            reference,
            kind,
            partner: table.needed(line, row, "partner")?.to_owned(),
            sku: table.needed(line, row, "sku")?.to_owned(),
            qty,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of<T: std::fmt::Debug>(r: Result<T, CsvError>) -> String {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn products_with_gtins_units_and_patterns() {
        let csv = "\u{feff}sku,name,tracking,barcodes,serial_pattern\n\
                   ASP-500,Aspirin 500 mg x12,lot,4006381333931;10614141000415*12,\n\
                   LAP-X1,Laptop X1,serial,LAPTOP-X1,SN-####-####\n";
        let rows = read_products("p.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[0].barcodes,
            vec![
                ("04006381333931".to_owned(), 1),
                ("10614141000415".to_owned(), 12)
            ]
        );
        assert_eq!(rows[1].serial_pattern.as_deref(), Some("SN-####-####"));
    }

    #[test]
    fn product_errors_name_the_line() {
        let bad_tracking = "sku,name,tracking,barcodes\nA,a,none,\nB,b,batch,\n";
        assert_eq!(
            err_of(read_products("p.csv", bad_tracking.as_bytes())),
            "p.csv line 3: tracking: 'batch' is not a tracking mode; use one of: none, lot, serial"
        );
        let bad_gtin = "sku,name,tracking,barcodes\nA,a,none,4006381333932\n";
        assert_eq!(
            err_of(read_products("p.csv", bad_gtin.as_bytes())),
            "p.csv line 2: barcode '4006381333932' is a GTIN-13 whose check digit should be 1, not 2"
        );
        let ragged = "sku,name,tracking,barcodes\nA,a,none,X\nB,b,none\n";
        assert!(
            err_of(read_products("p.csv", ragged.as_bytes()))
                .starts_with("p.csv line 3: this row has 3 fields but the header has 4")
        );
        let typo = "sku,name,tracking,barcode\n";
        assert!(
            err_of(read_products("p.csv", typo.as_bytes()))
                .starts_with("p.csv line 1: unknown column 'barcode'")
        );
        let empty_name = "sku,name,tracking,barcodes\nA,,none,X\n";
        assert_eq!(
            err_of(read_products("p.csv", empty_name.as_bytes())),
            "p.csv line 2: 'name' is empty"
        );
    }

    #[test]
    fn orders_check_prefixes_and_quantities() {
        let prefixes = BarcodeConfig::default();
        let ok = "ref,kind,partner,sku,qty\nPO-1,purchase,Acme,A,5\n";
        assert_eq!(
            read_orders("o.csv", ok.as_bytes(), &prefixes)
                .map(|r| r.len())
                .ok(),
            Some(1)
        );
        let wrong_prefix = "ref,kind,partner,sku,qty\nSO-1,purchase,Acme,A,5\n";
        assert_eq!(
            err_of(read_orders("o.csv", wrong_prefix.as_bytes(), &prefixes)),
            "o.csv line 2: a purchase order's reference must start with 'PO-', and 'SO-1' does not"
        );
        let zero = "ref,kind,partner,sku,qty\nPO-1,purchase,Acme,A,0\n";
        assert_eq!(
            err_of(read_orders("o.csv", zero.as_bytes(), &prefixes)),
            "o.csv line 2: qty '0' is not a whole number of 1 or more"
        );
    }

    #[test]
    fn lines_are_file_lines_after_crlf_and_quoted_line_breaks() {
        // Found by the fuzz target `import`: after CRLF line ends every row was said to be
        // one line up, so an error named the line above the one to fix.
        let crlf = "sku,name,tracking,barcodes\r\nA,a,none,\r\nB,b,none,\r\nC,c,batch,\r\n";
        let good = crlf.replace("C,c,batch,\r\n", "");
        let rows = read_products("p.csv", good.as_bytes()).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
        assert!(
            err_of(read_products("p.csv", crlf.as_bytes())).starts_with("p.csv line 4: tracking:")
        );
        let quoted = "code,name\nA,\"Aisle\"\nB,\"Two\nlines\"\n";
        assert!(
            err_of(read_locations("l.csv", quoted.as_bytes())).starts_with("l.csv line 3: name:")
        );
    }

    #[test]
    fn locations_refuse_self_parents() {
        let csv = "code,name,parent\nA,Aisle A,\nA-01,Bin,A-01\n";
        assert_eq!(
            err_of(read_locations("l.csv", csv.as_bytes())),
            "l.csv line 3: location 'A-01' cannot be its own parent"
        );
    }
}
