//! What an order template and the order feed share, so that neither imports the other: the
//! tags the feed supplies ([`FEED_TAGS`]), how a template field's value is given ([`Field`],
//! [`Value`], [`Placeholder`]), and one order's pre-encoded fields as the feed hands them to a
//! template ([`Part`]).
//!
//! The template ([`crate::fix::template`]) parses fields and patches parts in; the feed
//! ([`crate::fix::feed`]) encodes parts, and makes one from a template's own fields when there
//! is no feed file. This module holds only these types.

use super::tag;

/// The tags a feed supplies, in the order they are written. The first
/// [`CANCEL_FIELDS`] are the ones an OrderCancelRequest repeats.
pub const FEED_TAGS: [u32; 6] = [tag::SYMBOL, tag::SIDE, tag::ORDER_QTY, tag::ORD_TYPE, tag::PRICE, tag::TIME_IN_FORCE];
/// How many of [`FEED_TAGS`] an OrderCancelRequest (35=F) carries: Symbol, Side, OrderQty.
pub const CANCEL_FIELDS: usize = 3;

/// The longest Symbol (55) an order may carry, from a feed row or a template.
pub const MAX_SYMBOL: usize = 64;
/// The longest OrderQty (38) or Price (44), from a feed row or a template. With these, an
/// order's own fields fit in the 255 bytes the feed stores each in (a `u8` length).
pub const MAX_NUMBER: usize = 20;

/// What a field's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    SenderCompId,
    TargetCompId,
    Seq,
    SendingTime,
    TransactTime,
    ClOrdId,
    OrigClOrdId,
}

impl Placeholder {
    /// Each placeholder, its name in a template file and the tag it belongs to.
    pub(crate) const ALL: [(Placeholder, &'static str, u32); 7] = [
        (Placeholder::SenderCompId, "{sender_comp_id}", tag::SENDER_COMP_ID),
        (Placeholder::TargetCompId, "{target_comp_id}", tag::TARGET_COMP_ID),
        (Placeholder::Seq, "{seq}", tag::MSG_SEQ_NUM),
        (Placeholder::SendingTime, "{sending_time}", tag::SENDING_TIME),
        (Placeholder::TransactTime, "{transact_time}", tag::TRANSACT_TIME),
        (Placeholder::ClOrdId, "{clordid}", tag::CL_ORD_ID),
        (Placeholder::OrigClOrdId, "{orig_clordid}", tag::ORIG_CL_ORD_ID),
    ];

    /// The placeholder that belongs to tag `t`, and its name.
    pub(crate) fn for_tag(t: u32) -> Option<(Placeholder, &'static str)> {
        Self::ALL.iter().find(|(_, _, pt)| *pt == t).map(|(p, n, _)| (*p, *n))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Literal(Vec<u8>),
    Placeholder(Placeholder),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub tag: u32,
    pub value: Value,
    pub line: usize,
}

/// One order's pre-encoded fields, ready to copy into a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'a> {
    /// Names these bytes: equal ids mean equal bytes, so a template can skip the copy.
    pub id: u32,
    pub bytes: &'a [u8],
    /// Their checksum contribution (byte sum mod 256).
    pub sum: u8,
}
