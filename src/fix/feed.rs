//! Order feeds (`--orders FEED.csv`): the part of each order that varies by order (Symbol,
//! Side, OrderQty, OrdType, Price, TimeInForce), encoded once at start-up into one arena.
//!
//! Each distinct order is stored once, as the FIX bytes `55=…|54=…|38=…|40=…|44=…|59=…|`
//! with their checksum; the rows refer to it by index, in file order. On the hot path a
//! worker takes the next row's bytes and the template copies them in front of `10=`: no
//! parsing, no formatting. The first three fields are also what an OrderCancelRequest
//! (35=F) repeats of the order it cancels, so a cancel uses a prefix of the same bytes.
//!
//! Without a feed, the NewOrderSingle template's own values form a feed of one order
//! ([`OrderFeed::from_template`]), so every order goes the same way.
//!
//! # File format
//!
//! CSV with six columns, `symbol,side,qty,price,ord_type,tif`, one order per line. A first
//! line naming the columns (in that order, any case) is skipped, as are blank lines and lines
//! starting with `#`. A first line that looks like a header (it names a column, or holds no
//! digit) but names other columns, or these in another order, is an error naming the column.
//! Fields are not quoted. `side`, `ord_type` and `tif` take FIX codes or names:
//!
//! | column     | FIX codes            | names                                                       |
//! |------------|----------------------|-------------------------------------------------------------|
//! | `side`     | `1`–`9`, `A`–`G`     | `buy` `sell` `buy_minus` `sell_plus` `sell_short` `sell_short_exempt` |
//! | `ord_type` | `1`–`9`, `A`–`P`     | `market` `limit` `stop` `stop_limit`                        |
//! | `tif`      | `0`–`6`, or empty    | `day` `gtc` `opg` `ioc` `fok` `gtx` `gtd`                   |
//!
//! `price` may be empty only for order types that carry none (market, stop); `tif` may be
//! empty (the field is left out, which FIX reads as day).

use super::checksum::checksum;
use super::fields::{Field, MAX_NUMBER, MAX_SYMBOL, Part, Value};
use super::value::check_value;
use super::{SOH, tag};
use crate::csv_lines::{Lines, column_of, field};
use std::fmt;
use std::hash::BuildHasher;

const COLUMNS: [&str; 6] = ["symbol", "side", "qty", "price", "ord_type", "tif"];

/// A feed row that cannot be used: file, line, column (both 1-based) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedError {
    pub file: String,
    /// 0 when the problem is the file as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file, self.message),
            l => write!(f, "{}:{}:{}: {}", self.file, l, self.column, self.message),
        }
    }
}

impl std::error::Error for FeedError {}

/// Where a distinct order's bytes are: 8 bytes each.
#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: u32,
    len: u8,
    /// Length of the Symbol/Side/OrderQty prefix.
    cancel_len: u8,
    sum: u8,
    cancel_sum: u8,
}

/// Every distinct order of a feed, encoded, and the rows in file order.
#[derive(Debug, Clone)]
pub struct OrderFeed {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    /// Index into `entries` for each row.
    rows: Vec<u32>,
    max_len: usize,
}

/// One order's fields as text, before encoding.
struct Fields<'a> {
    symbol: &'a [u8],
    side: u8,
    qty: &'a [u8],
    ord_type: u8,
    price: &'a [u8],
    tif: Option<u8>,
}

impl OrderFeed {
    /// Reads and encodes a feed file. Every row is checked before anything is sent.
    pub fn load(path: &std::path::Path) -> Result<OrderFeed, FeedError> {
        let file = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| FeedError {
            file: file.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        OrderFeed::parse(&text, &file)
    }

    /// Parses feed text; `file` names it in errors.
    pub fn parse(text: &[u8], file: &str) -> Result<OrderFeed, FeedError> {
        let error =
            |line: usize, column: usize, message: String| FeedError { file: file.to_string(), line, column, message };
        // About 40 bytes a row: room for every row being distinct, so nothing grows twice.
        let mut b = Builder::new(text.len() / 32);
        let mut lines = Lines::new(text);
        let mut record = csv::ByteRecord::new();
        let mut first = true;
        loop {
            match lines.read(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(error(0, 0, format!("cannot read: {e}"))),
            }
            let first_field = field(&record, 0);
            if (record.len() == 1 && first_field.trim_ascii().is_empty())
                || first_field.trim_ascii_start().first() == Some(&b'#')
            {
                continue;
            }
            if std::mem::take(&mut first) && looks_like_header(&record) {
                check_header(&record).map_err(|(column, message)| error(lines.line(&record), column, message))?;
                continue;
            }
            let fields = parse_row(&record).map_err(|(column, message)| error(lines.line(&record), column, message))?;
            b.push(&fields);
        }
        if b.feed.rows.is_empty() {
            return Err(error(0, 0, format!("has no orders; expected CSV rows of {}", COLUMNS.join(","))));
        }
        Ok(b.finish())
    }

    /// The feed of one order that a NewOrderSingle template's own values make, from its
    /// fields (`&spec.fields` of a [`TemplateSpec`](crate::fix::template::TemplateSpec)).
    pub fn from_template(fields: &[Field]) -> OrderFeed {
        let value = |t: u32| match fields.iter().find(|f| f.tag == t).map(|f| &f.value) {
            Some(Value::Literal(v)) => v.as_slice(),
            _ => b"",
        };
        let one = |t: u32| value(t).first().copied();
        let fields = Fields {
            symbol: value(tag::SYMBOL),
            side: one(tag::SIDE).unwrap_or(b'1'),
            qty: value(tag::ORDER_QTY),
            ord_type: one(tag::ORD_TYPE).unwrap_or(b'1'),
            price: value(tag::PRICE),
            tif: one(tag::TIME_IN_FORCE),
        };
        let mut b = Builder::new(1);
        b.push(&fields);
        b.finish()
    }

    /// Rows in the feed (not distinct orders).
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Distinct orders stored.
    pub fn distinct(&self) -> usize {
        self.entries.len()
    }

    /// The longest pre-encoded order, in bytes.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Bytes held for the feed: the arena, the index of distinct orders and the rows.
    pub fn memory_bytes(&self) -> usize {
        self.arena.capacity() + self.entries.capacity() * size_of::<Entry>() + self.rows.capacity() * 4
    }

    /// The distinct order of row `row % rows()`: what a NewOrderSingle or a replace carries.
    #[inline]
    pub fn order_of_row(&self, row: u64) -> u32 {
        self.rows[(row % self.rows.len() as u64) as usize]
    }

    /// The fields of distinct order `order` for a NewOrderSingle or OrderCancelReplaceRequest.
    #[inline]
    pub fn order(&self, order: u32) -> Part<'_> {
        let e = self.entries[order as usize];
        let start = e.offset as usize;
        Part { id: order * 2, bytes: &self.arena[start..start + e.len as usize], sum: e.sum }
    }

    /// The Symbol, Side and OrderQty of distinct order `order`, for an OrderCancelRequest.
    #[inline]
    pub fn cancel(&self, order: u32) -> Part<'_> {
        let e = self.entries[order as usize];
        let start = e.offset as usize;
        Part { id: order * 2 + 1, bytes: &self.arena[start..start + e.cancel_len as usize], sum: e.cancel_sum }
    }
}

/// Encodes rows into a feed, storing each distinct order once.
struct Builder {
    feed: OrderFeed,
    /// Distinct orders by their bytes: (hash, index into `feed.entries`). The hash is kept
    /// so that growing the table never hashes an order again.
    seen: hashbrown::HashTable<(u64, u32)>,
    hasher: hashbrown::DefaultHashBuilder,
    scratch: Vec<u8>,
}

impl Builder {
    fn new(rows_hint: usize) -> Builder {
        Builder {
            feed: OrderFeed { arena: Vec::new(), entries: Vec::new(), rows: Vec::with_capacity(rows_hint), max_len: 0 },
            seen: hashbrown::HashTable::with_capacity(rows_hint),
            hasher: hashbrown::DefaultHashBuilder::default(),
            scratch: Vec::with_capacity(256),
        }
    }

    fn push(&mut self, f: &Fields<'_>) {
        fn put(s: &mut Vec<u8>, t: &[u8], v: &[u8]) {
            s.extend_from_slice(t);
            s.extend_from_slice(v);
            s.push(SOH);
        }
        let s = &mut self.scratch;
        s.clear();
        put(s, b"55=", f.symbol);
        put(s, b"54=", &[f.side]);
        put(s, b"38=", f.qty);
        let cancel_len = s.len();
        put(s, b"40=", &[f.ord_type]);
        if !f.price.is_empty() {
            put(s, b"44=", f.price);
        }
        if let Some(tif) = f.tif {
            put(s, b"59=", &[tif]);
        }
        let feed = &mut self.feed;
        let bytes = &self.scratch[..];
        let hash = self.hasher.hash_one(bytes);
        let entry_bytes = |e: &Entry| &feed.arena[e.offset as usize..e.offset as usize + e.len as usize];
        let found = self.seen.find(hash, |&(h, i)| h == hash && entry_bytes(&feed.entries[i as usize]) == bytes);
        let index = match found {
            Some(&(_, i)) => i,
            None => {
                let i = feed.entries.len() as u32;
                feed.entries.push(Entry {
                    offset: feed.arena.len() as u32,
                    len: bytes.len() as u8,
                    cancel_len: cancel_len as u8,
                    sum: checksum(bytes),
                    cancel_sum: checksum(&bytes[..cancel_len]),
                });
                feed.arena.extend_from_slice(bytes);
                feed.max_len = feed.max_len.max(bytes.len());
                self.seen.insert_unique(hash, (hash, i), |&(h, _)| h);
                i
            }
        };
        feed.rows.push(index);
    }

    fn finish(mut self) -> OrderFeed {
        self.feed.arena.shrink_to_fit();
        self.feed.entries.shrink_to_fit();
        self.feed.rows.shrink_to_fit();
        self.feed
    }
}

/// A first line is a header when one of its fields names a column, or when no field holds a
/// digit (every order has a quantity).
fn looks_like_header(record: &csv::ByteRecord) -> bool {
    let named = (0..record.len())
        .any(|i| COLUMNS.iter().any(|c| field(record, i).trim_ascii().eq_ignore_ascii_case(c.as_bytes())));
    named || !(0..record.len()).any(|i| field(record, i).iter().any(u8::is_ascii_digit))
}

/// A header must name the columns in their order: a header with other names, or the right
/// names in another order, would otherwise be read as an order (or its rows misread).
/// Errors carry the 1-based column of the first unexpected name.
fn check_header(record: &csv::ByteRecord) -> Result<(), (usize, String)> {
    let expected = COLUMNS.join(",");
    for (i, want) in COLUMNS.iter().enumerate() {
        if i >= record.len() {
            // One past the line's end.
            let at = column_of(record, i);
            return Err((at, format!("the header has {} column(s); expected {expected}", record.len())));
        }
        let at = column_of(record, i) + 1;
        let got = field(record, i).trim_ascii();
        if got.eq_ignore_ascii_case(want.as_bytes()) {
            continue;
        }
        let shown = String::from_utf8_lossy(got);
        let why = if got.starts_with("\u{feff}".as_bytes()) {
            "the file starts with a byte order mark (bytes EF BB BF); save it without one".to_string()
        } else if COLUMNS.iter().any(|c| got.eq_ignore_ascii_case(c.as_bytes())) {
            format!(
                "header column {} is {shown:?} where {want:?} belongs; the columns come in this order: {expected}",
                i + 1
            )
        } else {
            format!("header column {} is {shown:?}, not {want:?}; the columns are {expected}", i + 1)
        };
        return Err((at, why));
    }
    if record.len() > COLUMNS.len() {
        let at = column_of(record, COLUMNS.len()) + 1;
        return Err((at, format!("the header has more than {} columns; expected {expected}", COLUMNS.len())));
    }
    Ok(())
}

/// Checks one row. Errors carry the 1-based column where the bad field starts.
fn parse_row(record: &csv::ByteRecord) -> Result<Fields<'_>, (usize, String)> {
    let n = record.len();
    if n > COLUMNS.len() {
        let at = column_of(record, COLUMNS.len()) + 1;
        return Err((at, format!("more than {} columns; expected {}", COLUMNS.len(), COLUMNS.join(","))));
    }
    if n < COLUMNS.len() {
        // One past the line's end.
        let at = column_of(record, n);
        return Err((at, format!("{n} column(s), expected {}: {}", COLUMNS.len(), COLUMNS.join(","))));
    }
    let mut cols: [(usize, &[u8]); 6] = [(0, b""); 6];
    let mut at = 0;
    for (i, col) in cols.iter_mut().enumerate() {
        let piece = field(record, i);
        let lead = piece.len() - piece.trim_ascii_start().len();
        *col = (at + lead + 1, piece.trim_ascii());
        at += piece.len() + 1;
    }
    let bad = |i: usize, why: String| Err((cols[i].0, format!("{}: {why}", COLUMNS[i])));
    let show = |v: &[u8]| format!("{:?}", String::from_utf8_lossy(v));
    let (_, symbol) = cols[0];
    if symbol.is_empty() {
        return bad(0, "empty; every order needs a Symbol".into());
    }
    if let Err(e) = check_value(symbol, MAX_SYMBOL) {
        return bad(0, e.to_string());
    }
    if let Some(c) = symbol.iter().find(|&&c| !(0x21..0x7f).contains(&c) || c == b'|' || c == b'"') {
        return bad(0, format!("{} contains byte 0x{c:02x}; printable ASCII only, no quotes", show(symbol)));
    }
    let side = match code(cols[1].1, b"123456789ABCDEFG", SIDES) {
        Some(c) => c,
        None => return bad(1, format!("{} is not a FIX 4.2 Side (1-9, A-G, or {})", show(cols[1].1), names(SIDES))),
    };
    let qty = cols[2].1;
    if !is_positive_decimal(qty) {
        return bad(2, format!("{} is not a positive decimal quantity", show(qty)));
    }
    let ord_type = match code(cols[4].1, b"123456789ABCDEFGHIJKLMNOP", ORD_TYPES) {
        Some(c) => c,
        None => {
            return bad(4, format!("{} is not a FIX 4.2 OrdType (1-9, A-P, or {})", show(cols[4].1), names(ORD_TYPES)));
        }
    };
    let price = cols[3].1;
    if price.is_empty() {
        if needs_price(ord_type) {
            return bad(3, format!("empty, but ord_type {} needs a Price", ord_type as char));
        }
    } else if !is_positive_decimal(price) {
        return bad(3, format!("{} is not a positive decimal price", show(price)));
    }
    let tif = match cols[5].1 {
        [] => None,
        v => match code(v, b"0123456", TIFS) {
            Some(c) => Some(c),
            None => return bad(5, format!("{} is not a FIX 4.2 TimeInForce (0-6, or {})", show(v), names(TIFS))),
        },
    };
    Ok(Fields { symbol, side, qty, ord_type, price, tif })
}

const SIDES: &[(&str, u8)] = &[
    ("buy", b'1'),
    ("sell", b'2'),
    ("buy_minus", b'3'),
    ("sell_plus", b'4'),
    ("sell_short", b'5'),
    ("sell_short_exempt", b'6'),
];
const ORD_TYPES: &[(&str, u8)] = &[("market", b'1'), ("limit", b'2'), ("stop", b'3'), ("stop_limit", b'4')];
const TIFS: &[(&str, u8)] =
    &[("day", b'0'), ("gtc", b'1'), ("opg", b'2'), ("ioc", b'3'), ("fok", b'4'), ("gtx", b'5'), ("gtd", b'6')];

fn code(v: &[u8], codes: &[u8], named: &[(&str, u8)]) -> Option<u8> {
    match v {
        [c] if codes.contains(c) => Some(*c),
        _ => named.iter().find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(v)).map(|(_, c)| *c),
    }
}

fn names(named: &[(&str, u8)]) -> String {
    named.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Order types that carry a Price: limit, stop limit, limit or better, limit with or
/// without, previously quoted/indicated, forex limit.
fn needs_price(ord_type: u8) -> bool {
    matches!(ord_type, b'2' | b'4' | b'7' | b'B' | b'D' | b'E' | b'F')
}

fn is_positive_decimal(v: &[u8]) -> bool {
    let dots = v.iter().filter(|&&c| c == b'.').count();
    !v.is_empty()
        && v.len() <= MAX_NUMBER
        && dots <= 1
        && v.iter().all(|&c| c.is_ascii_digit() || c == b'.')
        && v.iter().any(|&c| (b'1'..=b'9').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::printable;

    fn feed(text: &str) -> OrderFeed {
        OrderFeed::parse(text.as_bytes(), "f.csv").unwrap()
    }

    fn err(text: &str) -> String {
        OrderFeed::parse(text.as_bytes(), "f.csv").unwrap_err().to_string()
    }

    fn order(f: &OrderFeed, row: u64) -> String {
        printable(f.order(f.order_of_row(row)).bytes)
    }

    #[test]
    fn rows_encode_in_file_order_with_names_or_codes() {
        let f = feed("symbol,side,qty,price,ord_type,tif\nACME,buy,100,10.25,limit,day\nXYZ,2,5,,1,\n");
        assert_eq!(f.rows(), 2);
        assert_eq!(order(&f, 0), "55=ACME|54=1|38=100|40=2|44=10.25|59=0|");
        assert_eq!(order(&f, 1), "55=XYZ|54=2|38=5|40=1|");
        // The feed cycles.
        assert_eq!(order(&f, 2), order(&f, 0));
        assert_eq!(printable(f.cancel(f.order_of_row(0)).bytes), "55=ACME|54=1|38=100|");
    }

    #[test]
    fn sums_are_the_checksums_of_the_bytes() {
        let f = feed("A,sell_short,1.5,99,stop_limit,ioc\n");
        for p in [f.order(0), f.cancel(0)] {
            assert_eq!(p.sum, checksum(p.bytes));
        }
        assert_ne!(f.order(0).id, f.cancel(0).id);
    }

    #[test]
    fn repeated_orders_are_stored_once() {
        let f = feed("A,1,1,1,2,0\nB,1,1,1,2,0\nA,1,1,1,2,0\n# comment\n\nA,1,1,1,2,0\r\n");
        assert_eq!((f.rows(), f.distinct()), (4, 2));
        assert_eq!(f.order_of_row(0), f.order_of_row(2));
        assert_eq!(f.order_of_row(0), f.order_of_row(3));
        assert_ne!(f.order_of_row(0), f.order_of_row(1));
    }

    #[test]
    fn spaces_around_fields_are_ignored() {
        let f = feed(" ACME , buy , 100 , 10 , limit , day \n");
        assert_eq!(order(&f, 0), "55=ACME|54=1|38=100|40=2|44=10|59=0|");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        assert_eq!(
            err("A,1,100,10,2,0\nB,1,1x0,10,2,0\n"),
            "f.csv:2:5: qty: \"1x0\" is not a positive decimal quantity"
        );
        assert_eq!(err("A,1,100,10,2\n"), "f.csv:1:13: 5 column(s), expected 6: symbol,side,qty,price,ord_type,tif");
        assert_eq!(
            err("A,1,100,10,2,0,x\n"),
            "f.csv:1:16: more than 6 columns; expected symbol,side,qty,price,ord_type,tif"
        );
        assert_eq!(err("A,1,100,,limit,0\n"), "f.csv:1:9: price: empty, but ord_type 2 needs a Price");
        assert!(err("A,up,100,1,2,0\n").starts_with("f.csv:1:3: side: \"up\" is not a FIX 4.2 Side"));
        assert!(err("A,1,100,1,Z,0\n").starts_with("f.csv:1:11: ord_type: \"Z\" is not a FIX 4.2 OrdType"));
        assert!(err("A,1,100,1,2,never\n").starts_with("f.csv:1:13: tif: \"never\" is not a FIX 4.2 TimeInForce"));
        assert_eq!(err(",1,100,1,2,0\n"), "f.csv:1:1: symbol: empty; every order needs a Symbol");
        assert!(err("A|B,1,100,1,2,0\n").starts_with("f.csv:1:1: symbol: \"A|B\" contains byte 0x7c"));
        assert_eq!(err("A,1,0,1,2,0\n"), "f.csv:1:5: qty: \"0\" is not a positive decimal quantity");
        assert_eq!(err("A,1,1,-3,2,0\n"), "f.csv:1:7: price: \"-3\" is not a positive decimal price");
        assert_eq!(
            err("symbol,side,qty,price,ord_type,tif\n# none\n"),
            "f.csv: has no orders; expected CSV rows of symbol,side,qty,price,ord_type,tif"
        );
    }

    /// A feed value goes through the same check as every other FIX value.
    #[test]
    fn a_symbol_with_soh_is_refused_naming_the_byte() {
        assert_eq!(
            err("A\x01B,1,100,1,2,0\n"),
            "f.csv:1:1: symbol: byte 1 is SOH (0x01), the FIX field delimiter: it would end the field there"
        );
        assert_eq!(err(&format!("{},1,100,1,2,0\n", "S".repeat(65))), "f.csv:1:1: symbol: 65 bytes, more than 64");
    }

    #[test]
    fn a_symbol_that_starts_with_symbol_is_an_order_not_a_header() {
        let f = feed("SYMBOLICS,buy,100,1,limit,day\n");
        assert_eq!(f.rows(), 1);
        assert_eq!(order(&f, 0), "55=SYMBOLICS|54=1|38=100|40=2|44=1|59=0|");
    }

    /// csv skips blank lines before it hands over a row, and reports where the last row ended.
    #[test]
    fn line_numbers_count_blank_lines_comments_and_crlf() {
        assert_eq!(
            err("A,1,1,1,2,0\n\n\n# c\n\r\n  \nB,1,1x0,1,2,0\n"),
            "f.csv:7:5: qty: \"1x0\" is not a positive decimal quantity"
        );
        assert_eq!(err("\n\nA,1,1,1,2\r\n"), "f.csv:3:10: 5 column(s), expected 6: symbol,side,qty,price,ord_type,tif");
    }

    /// csv drops a byte order mark; the format has none, so it stays three bytes of the line.
    #[test]
    fn a_byte_order_mark_is_part_of_the_first_line() {
        assert_eq!(
            err("\u{feff}symbol,side,qty,price,ord_type,tif\nA,1,1,1,2,0\n"),
            "f.csv:1:1: the file starts with a byte order mark (bytes EF BB BF); save it without one"
        );
        assert!(err("\u{feff}A,1,1,1,2,0\n").starts_with("f.csv:1:1: symbol: \"\\u{feff}A\" contains byte 0xef"),);
        // A first line of no digits is taken for a header, and then the mark is named.
        let bom = "f.csv:1:1: the file starts with a byte order mark (bytes EF BB BF); save it without one";
        assert_eq!(err("\u{feff}\n\nA,1,1\n"), bom);
        assert_eq!(err("\u{feff}# c\n"), bom);
    }

    /// Fields are not quoted: quotes are bytes of the field and commas in them split.
    #[test]
    fn quotes_are_bytes_not_quoting() {
        assert_eq!(
            err("A,\"1,2\",1,1,2,0\n"),
            "f.csv:1:15: more than 6 columns; expected symbol,side,qty,price,ord_type,tif"
        );
    }

    #[test]
    fn a_header_with_other_names_or_another_order_names_the_column() {
        assert_eq!(
            err("sym,side,qty,price,ord_type,tif\nA,1,1,1,2,0\n"),
            "f.csv:1:1: header column 1 is \"sym\", not \"symbol\"; the columns are symbol,side,qty,price,ord_type,tif"
        );
        assert_eq!(
            err("symbol,qty,side,price,ord_type,tif\nA,1,1,1,2,0\n"),
            "f.csv:1:8: header column 2 is \"qty\" where \"side\" belongs; the columns come in this order: \
             symbol,side,qty,price,ord_type,tif"
        );
        assert_eq!(
            err("Symbol, Side, Qty\n"),
            "f.csv:1:18: the header has 3 column(s); expected symbol,side,qty,price,ord_type,tif"
        );
        // Any case, spaces around names: still the header.
        assert_eq!(feed("Symbol, Side ,QTY,price,ORD_TYPE,tif\nA,1,1,1,2,0\n").rows(), 1);
    }

    #[test]
    fn a_header_line_is_only_skipped_first() {
        assert!(err("A,1,1,1,2,0\nsymbol,side,qty,price,ord_type,tif\n").starts_with("f.csv:2:8: side:"));
    }
}
