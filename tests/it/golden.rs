//! Messages from a third-party engine frame and parse as they should.

use fixblast::fix::parse::{Frame, MsgType, frame, parse};
use fixblast::fix::readable;

fn golden() -> Vec<Vec<u8>> {
    include_str!("../data/quickfix-executor.fix")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(readable)
        .collect()
}

#[test]
fn quickfix_messages_frame_with_their_own_checksums() {
    for m in golden() {
        assert_eq!(frame(&m), Frame::Message { len: m.len() });
    }
}

#[test]
fn quickfix_fill_report_parses_with_header_in_its_order() {
    let msgs = golden();
    let logon = parse(&msgs[0]).unwrap();
    assert_eq!(logon.msg_type, MsgType::Logon);
    assert!(logon.reset_seq);
    assert_eq!(logon.heart_bt_int, 30);
    let er = parse(&msgs[1]).unwrap();
    assert_eq!(er.msg_type, MsgType::ExecutionReport);
    assert_eq!(er.seq, 2);
    assert_eq!(er.cl_ord_id.get(&msgs[1]), b"ORD1");
    assert_eq!((er.exec_type, er.ord_status), (b'2', b'2'));
}
