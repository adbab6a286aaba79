//! `user_data` tokens for io_uring: the connection index and the operation kind packed into
//! one `u64`, so a completion names its connection and operation without a lookup table.

/// What an io_uring operation was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    Recv = 1,
    Send = 2,
    Cancel = 3,
    /// An error-queue `recvmsg`: a send's TX stamp.
    TxStamp = 4,
}

/// Packs a connection index and an operation.
pub const fn encode(conn: u32, op: Op) -> u64 {
    ((conn as u64) << 8) | op as u64
}

/// Unpacks a token; `None` for an operation kind this version never issued.
pub const fn decode(token: u64) -> (u32, Option<Op>) {
    let op = match token & 0xff {
        1 => Some(Op::Recv),
        2 => Some(Op::Send),
        3 => Some(Op::Cancel),
        4 => Some(Op::TxStamp),
        _ => None,
    };
    ((token >> 8) as u32, op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_for_every_op_and_extreme_connections() {
        for op in [Op::Recv, Op::Send, Op::Cancel, Op::TxStamp] {
            for conn in [0u32, 1, 255, 256, 65_535, u32::MAX] {
                assert_eq!(decode(encode(conn, op)), (conn, Some(op)));
            }
        }
        assert_eq!(decode(0).1, None);
        assert_eq!(decode(0x1_00 | 0x7f).1, None);
        assert_eq!(decode(5).1, None);
    }
}
