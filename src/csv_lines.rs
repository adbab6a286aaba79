//! Comma-separated files read row by row the way people and shell scripts write them: order
//! feeds, `--profile file:` rates and the sweep summary. The csv crate does the reading; this
//! module owns where its defaults differ from these files, and nothing else:
//! - one row per `\n` line; a `\r` before it is not part of the last field ([`field`]);
//! - [`Lines::new`] turns quoting off (a quote is a byte of its field and a comma always
//!   splits), for the formats that have no quoting; [`Lines::quoted`] keeps it, for files a
//!   script writes with quoted fields;
//! - csv-core drops a UTF-8 byte order mark at the start of its input, but these formats
//!   have none: a BOM stays three bytes of the first field (and so an error that names it);
//! - csv skips blank lines silently and gives a row the position where the previous one
//!   ended; [`Lines::line`] counts the skipped lines back in, so errors name the line people
//!   find in their editor.
//!
//! It imports nothing from the crate. Reading allocates nothing per row: the caller reuses one
//! `ByteRecord`.

use csv::ByteRecord;
use std::io::{Chain, Read};

const BOM: &[u8] = b"\xef\xbb\xbf";

/// The rows of a text in memory.
pub struct Lines<'a> {
    text: &'a [u8],
    /// A newline read before `text` when it starts with a BOM, so that csv keeps the BOM;
    /// taken off the line numbers.
    lead: &'static [u8],
    reader: csv::Reader<Chain<&'static [u8], &'a [u8]>>,
}

impl<'a> Lines<'a> {
    /// Rows of `text` with no quoting.
    pub fn new(text: &'a [u8]) -> Lines<'a> {
        Lines::with(text, false)
    }

    /// Rows of `text` whose fields may be quoted (`"2,3"`).
    pub fn quoted(text: &'a [u8]) -> Lines<'a> {
        Lines::with(text, true)
    }

    fn with(text: &'a [u8], quoting: bool) -> Lines<'a> {
        let lead: &'static [u8] = if text.starts_with(BOM) { b"\n" } else { b"" };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .quoting(quoting)
            .terminator(csv::Terminator::Any(b'\n'))
            // Reads of 64 KiB rather than 8: a 1M-row order feed loads about 10% faster.
            .buffer_capacity(1 << 16)
            .from_reader(lead.chain(text));
        Lines { text, lead, reader }
    }

    /// Reads the next row into `record`; false at the end. Blank lines are skipped; a line of
    /// spaces is a row of one field.
    pub fn read(&mut self, record: &mut ByteRecord) -> Result<bool, csv::Error> {
        self.reader.read_byte_record(record)
    }

    /// The 1-based line on which `record`, the row just read, starts.
    pub fn line(&self, record: &ByteRecord) -> usize {
        self.start(record).0
    }

    /// The text of the line on which `record`, the row just read, starts, without its `\n`
    /// or `\r\n`: the row as written, for messages.
    pub fn text_of(&self, record: &ByteRecord) -> &'a [u8] {
        let rest = &self.text[self.start(record).1.min(self.text.len())..];
        match rest.iter().position(|&c| c == b'\n') {
            Some(end) => rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]),
            None => rest,
        }
    }

    /// The 1-based line and the byte offset in the text where `record` starts.
    fn start(&self, record: &ByteRecord) -> (usize, usize) {
        let (byte, line) = record.position().map_or((0, 1), |p| (p.byte() as usize, p.line() as usize));
        let at = |i: usize| match i.checked_sub(self.lead.len()) {
            None => self.lead[i],
            Some(i) => self.text.get(i).copied().unwrap_or(0),
        };
        let skipped = (byte..).take_while(|&i| at(i) == b'\n').count();
        (line + skipped - self.lead.len(), (byte + skipped).saturating_sub(self.lead.len()))
    }
}

/// Field `i` of a row as it is in the file, untrimmed (empty past the last); the last field
/// without the `\r` of a CRLF line end.
pub fn field(record: &ByteRecord, i: usize) -> &[u8] {
    let f = record.get(i).unwrap_or_default();
    if i + 1 == record.len() { f.strip_suffix(b"\r").unwrap_or(f) } else { f }
}

/// Where field `i` starts in its line, 0-based: the fields before it and their commas. For
/// `i` = the number of fields, one past the line's end.
pub fn column_of(record: &ByteRecord, i: usize) -> usize {
    (0..i).map(|j| field(record, j).len() + 1).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[u8]) -> Vec<(usize, Vec<String>)> {
        let mut lines = Lines::new(text);
        let mut r = ByteRecord::new();
        let mut out = Vec::new();
        while lines.read(&mut r).unwrap() {
            let fields = (0..r.len()).map(|i| String::from_utf8_lossy(field(&r, i)).into_owned()).collect();
            out.push((lines.line(&r), fields));
        }
        out
    }

    fn row(line: usize, fields: &[&str]) -> (usize, Vec<String>) {
        (line, fields.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn rows_carry_the_line_they_start_on() {
        assert_eq!(
            rows(b"a,b\n\n\n# c\r\n\r\n  \nd,\"e,f\"\n"),
            [row(1, &["a", "b"]), row(4, &["# c"]), row(5, &[""]), row(6, &["  "]), row(7, &["d", "\"e", "f\""])]
        );
    }

    #[test]
    fn a_byte_order_mark_stays_in_the_first_field() {
        assert_eq!(rows(b"\xef\xbb\xbf\n\na,b\n"), [row(1, &["\u{feff}"]), row(3, &["a", "b"])]);
        assert_eq!(rows(b"\xef\xbb\xbfa,b"), [row(1, &["\u{feff}a", "b"])]);
    }

    #[test]
    fn quoted_fields_may_hold_commas_and_text_of_is_the_line_as_written() {
        let text = b"a,b\n\n1,\"2,3\",4\r\nlast,\"x\"\r";
        let mut lines = Lines::quoted(text);
        let mut r = ByteRecord::new();
        let mut seen = Vec::new();
        while lines.read(&mut r).unwrap() {
            let fields: Vec<String> =
                (0..r.len()).map(|i| String::from_utf8_lossy(field(&r, i)).into_owned()).collect();
            seen.push((lines.line(&r), fields, String::from_utf8_lossy(lines.text_of(&r)).into_owned()));
        }
        let s = |v: &[&str]| v.iter().map(|f| f.to_string()).collect::<Vec<_>>();
        assert_eq!(
            seen,
            [
                (1, s(&["a", "b"]), "a,b".to_string()),
                (3, s(&["1", "2,3", "4"]), "1,\"2,3\",4".to_string()),
                (4, s(&["last", "x"]), "last,\"x\"\r".to_string()),
            ]
        );
    }

    #[test]
    fn columns_count_the_fields_and_commas_before() {
        let mut lines = Lines::new(b" a ,bc,\r\n");
        let mut r = ByteRecord::new();
        assert!(lines.read(&mut r).unwrap());
        assert_eq!([column_of(&r, 0), column_of(&r, 1), column_of(&r, 2), column_of(&r, 3)], [0, 4, 7, 8]);
    }
}
