//! Host buffers sized by the guest are bounded by the cell's host-buffer limit: a call that would
//! need more ends the cell with `Trap::Limit(HostBuffer)` before anything is allocated; captured
//! output (stdout and stderr together) is bounded by the same limit; guest addresses never wrap.

mod support;

use std::time::{Duration, Instant};

use dylink::engine::{LimitKind, Limits, Trap};
use dylink::wasi::{self, WasiState};
use support::mock::Guest;

const OUT: u32 = 0x100;
const IOVS: u32 = 0x2000;
const BUF: u32 = 0x10000;

fn guest_with(limit: u64, case: Option<&std::path::Path>) -> Guest {
    let limits = Limits { host_buffer_bytes: limit, ..Limits::DEFAULT };
    let mut wasi = WasiState::new(vec![], vec![]).with_limits(&limits);
    let dir = case.map(|c| c.to_path_buf()).unwrap_or_else(std::env::temp_dir);
    if let Some(c) = case {
        wasi = wasi.grant("/data", &c.join("data"), c).unwrap();
    }
    Guest::new(wasi, &dir)
}

fn iovecs(g: &mut Guest, vecs: &[(u32, u32)]) {
    let raw: Vec<u8> = vecs.iter().flat_map(|(p, l)| [p.to_le_bytes(), l.to_le_bytes()].concat()).collect();
    g.write(IOVS, &raw);
}

fn is_host_buffer_limit(r: Result<i32, Trap>) -> bool {
    matches!(r, Err(Trap::Limit(LimitKind::HostBuffer, _)))
}

#[test]
fn a_huge_random_get_is_refused_before_allocating() {
    let mut g = guest_with(Limits::DEFAULT.host_buffer_bytes, None);
    let start = Instant::now();
    let r = g.call("random_get", &[BUF, u32::MAX]);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    let Err(Trap::Limit(LimitKind::HostBuffer, message)) = r else { panic!("{r:?}") };
    assert!(message.contains("random_get") && message.contains("4294967295"), "{message}");
    // Within the limit it still works.
    assert_eq!(g.call("random_get", &[BUF, 64]).unwrap(), 0);
    assert!(g.read(BUF, 64).iter().any(|&b| b != 0));
}

#[test]
fn a_huge_writev_is_refused_before_copying() {
    let mut g = guest_with(Limits::DEFAULT.host_buffer_bytes, None);
    // Eight vectors of 256 MiB each, all at the same address (beyond memory, so a copy would also trap).
    iovecs(&mut g, &[(BUF, 256 << 20); 8]);
    let start = Instant::now();
    let r = g.call("fd_write", &[1, IOVS, 8, OUT]);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    let Err(Trap::Limit(LimitKind::HostBuffer, message)) = r else { panic!("{r:?}") };
    assert!(message.contains("2147483648"), "{message}");
    assert!(g.wasi().stdout.is_empty());
}

#[test]
fn captured_output_is_bounded_over_stdout_and_stderr_together() {
    let mut g = guest_with(1000, None);
    g.write(BUF, &[b'x'; 600]);
    iovecs(&mut g, &[(BUF, 600)]);
    assert_eq!(g.call("fd_write", &[1, IOVS, 1, OUT]).unwrap(), 0);
    assert_eq!(g.u32_at(OUT), 600);
    assert!(is_host_buffer_limit(g.call("fd_write", &[2, IOVS, 1, OUT])));
    assert_eq!((g.wasi().stdout.len(), g.wasi().stderr.len()), (600, 0));
    iovecs(&mut g, &[(BUF, 400)]);
    assert_eq!(g.call("fd_write", &[2, IOVS, 1, OUT]).unwrap(), 0);
}

#[test]
fn more_iovecs_than_iov_max_is_einval() {
    let mut g = guest_with(Limits::DEFAULT.host_buffer_bytes, None);
    assert_eq!(g.call("fd_write", &[1, IOVS, wasi::bounded::IOV_MAX + 1, OUT]).unwrap(), wasi::EINVAL);
}

#[test]
fn reads_stream_and_files_over_the_limit_are_refused() {
    let case = tempfile::tempdir().unwrap();
    std::fs::create_dir(case.path().join("data")).unwrap();
    std::fs::write(case.path().join("data/small"), vec![7u8; 100]).unwrap();
    std::fs::write(case.path().join("data/big"), vec![1u8; 5000]).unwrap();
    let mut g = guest_with(4096, Some(case.path()));
    let open = |g: &mut Guest, name: &[u8]| {
        g.write(0x1000, name);
        g.call_with(
            "path_open",
            &[3, 1, 0x1000, name.len() as i32, 0]
                .map(dylink::engine::Val::I32)
                .into_iter()
                .chain([dylink::engine::Val::I64(!0), dylink::engine::Val::I64(!0)])
                .chain([0, OUT as i32].map(dylink::engine::Val::I32))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(open(&mut g, b"small"), Ok(0));
    let fd = g.u32_at(OUT);
    // One iovec of almost 4 GiB: the host moves the file's 100 bytes, and allocates nothing that large.
    iovecs(&mut g, &[(BUF, u32::MAX - BUF)]);
    assert_eq!(g.call("fd_read", &[fd, IOVS, 1, OUT]).unwrap(), 0);
    assert_eq!(g.u32_at(OUT), 100);
    assert_eq!(g.read(BUF, 100), &[7u8; 100][..]);
    // At the end: 0 bytes.
    assert_eq!(g.call("fd_read", &[fd, IOVS, 1, OUT]).unwrap(), 0);
    assert_eq!(g.u32_at(OUT), 0);
    let r = open(&mut g, b"big");
    let Err(Trap::Limit(LimitKind::HostBuffer, message)) = r else { panic!("{r:?}") };
    assert!(message.contains("big") && message.contains("5000"), "{message}");
}
