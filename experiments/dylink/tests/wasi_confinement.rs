//! WASI confinement: a granted folder is a capability. Paths that leave it (`..`, absolute paths,
//! links out of it, a granted folder that is itself a link) are refused with ENOTCAPABLE, and
//! FIFOs, sockets and devices are refused without being opened, quickly; regular files and links
//! that stay inside are readable.

mod support;

use std::os::unix::net::UnixListener;
use std::path::Path;
use std::time::{Duration, Instant};

use dylink::engine::Val;
use dylink::wasi::{self, GrantError, WasiState};
use support::mock::Guest;

const PATH: u32 = 0x1000;
const OUT: u32 = 0x100;
const BUF: u32 = 0x10000;
const IOVS: u32 = 0x2000;
const FOLLOW: u32 = 1;

/// A case folder: data/ (granted) with a file, a nested one, and links in and out; a secret beside
/// data/; a FIFO and a socket in data/; `root` -> `/`.
fn case() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path();
    let data = c.join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("plain.txt"), "plain text\n").unwrap();
    std::fs::write(data.join("sub/nested.txt"), "nested\n").unwrap();
    std::fs::write(c.join("secret.txt"), "secret\n").unwrap();
    let link = |target: &str, name: &str| std::os::unix::fs::symlink(target, data.join(name)).unwrap();
    link("plain.txt", "link-inside");
    link("sub/../plain.txt", "link-inside-dotdot");
    link("/etc/passwd", "passwd");
    link("/dev/zero", "zero");
    link("../secret.txt", "link-parent");
    link("/", "link-root");
    let fifo = std::ffi::CString::new(data.join("fifo").into_os_string().into_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    std::mem::forget(UnixListener::bind(data.join("sock")).unwrap());
    std::os::unix::fs::symlink("/", c.join("root")).unwrap();
    dir
}

fn guest(case: &Path) -> Guest {
    let wasi = WasiState::new(vec!["t".into()], vec![]).grant("/data", &case.join("data"), case).unwrap();
    Guest::new(wasi, case)
}

/// path_open of `path` in the grant (fd 3); the errno, and the new fd when it opened.
fn open(g: &mut Guest, path: &[u8], dirflags: u32, oflags: u32) -> (i32, u32) {
    g.write(PATH, path);
    let args = [
        Val::I32(3),
        Val::I32(dirflags as i32),
        Val::I32(PATH as i32),
        Val::I32(path.len() as i32),
        Val::I32(oflags as i32),
        Val::I64(!0),
        Val::I64(!0),
        Val::I32(0),
        Val::I32(OUT as i32),
    ];
    let errno = g.call_with("path_open", &args).expect("path_open must not trap");
    (errno, if errno == 0 { g.u32_at(OUT) } else { 0 })
}

/// Reads all of `fd` through one iovec of `len` bytes.
fn read(g: &mut Guest, fd: u32, len: u32) -> Vec<u8> {
    g.write(IOVS, &[BUF.to_le_bytes(), len.to_le_bytes()].concat());
    assert_eq!(g.call("fd_read", &[fd, IOVS, 1, OUT]).unwrap(), 0);
    let n = g.u32_at(OUT) as usize;
    g.read(BUF, n).to_vec()
}

#[test]
fn regular_files_and_links_that_stay_inside_are_readable() {
    let c = case();
    let mut g = guest(c.path());
    for (path, text) in [
        ("plain.txt", "plain text\n"),
        ("sub/nested.txt", "nested\n"),
        ("sub/../plain.txt", "plain text\n"),
        ("./link-inside", "plain text\n"),
        ("link-inside-dotdot", "plain text\n"),
    ] {
        let (errno, fd) = open(&mut g, path.as_bytes(), FOLLOW, 0);
        assert_eq!(errno, 0, "{path}");
        assert_eq!(read(&mut g, fd, 4096), text.as_bytes(), "{path}");
        assert_eq!(g.call("fd_close", &[fd]).unwrap(), 0);
    }
}

#[test]
fn paths_and_links_leaving_the_grant_are_not_capable() {
    let c = case();
    let mut g = guest(c.path());
    for path in [
        "passwd",
        "zero",
        "link-parent",
        "link-root/etc/passwd",
        "../secret.txt",
        "sub/../../secret.txt",
        "/etc/passwd",
    ] {
        let start = Instant::now();
        assert_eq!(open(&mut g, path.as_bytes(), FOLLOW, 0).0, wasi::ENOTCAPABLE, "open {path}");
        g.write(PATH, path.as_bytes());
        let stat = g.call("path_filestat_get", &[3, FOLLOW, PATH, path.len() as u32, BUF]).unwrap();
        assert_eq!(stat, wasi::ENOTCAPABLE, "stat {path}");
        assert!(start.elapsed() < Duration::from_secs(10), "{path} took {:?}", start.elapsed());
    }
    assert!(g.wasi().files.is_empty());
}

#[test]
fn fifos_sockets_and_directories_are_refused_without_blocking() {
    let c = case();
    // On a thread, so that an open that blocks fails the test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    let dir = c.path().to_path_buf();
    std::thread::spawn(move || {
        let mut g = guest(&dir);
        let results: Vec<(&str, i32)> =
            ["fifo", "sock", "sub"].into_iter().map(|p| (p, open(&mut g, p.as_bytes(), FOLLOW, 0).0)).collect();
        tx.send(results).unwrap();
    });
    let results = rx.recv_timeout(Duration::from_secs(5)).expect("opening a FIFO or socket blocked");
    assert_eq!(results, [("fifo", wasi::ENOTSUP), ("sock", wasi::ENOTSUP), ("sub", wasi::EISDIR)]);
}

#[test]
fn other_refusals_have_their_errno() {
    let c = case();
    let mut g = guest(c.path());
    assert_eq!(open(&mut g, b"missing.txt", FOLLOW, 0).0, wasi::ENOENT);
    // Without LOOKUP_SYMLINK_FOLLOW, a link is not opened even when it stays inside.
    assert_eq!(open(&mut g, b"link-inside", 0, 0).0, wasi::ELOOP);
    // O_CREAT: the grant is read-only.
    assert_eq!(open(&mut g, b"new.txt", FOLLOW, 1).0, wasi::EROFS);
    // A path longer than PATH_MAX is refused before it is read.
    let long = vec![b'a'; 5000];
    assert_eq!(open(&mut g, &long, FOLLOW, 0).0, wasi::ENAMETOOLONG);
    // Not a grant.
    g.write(PATH, b"plain.txt");
    assert_eq!(g.call("path_filestat_get", &[7, FOLLOW, PATH, 9, BUF]).unwrap(), wasi::EBADF);
}

#[test]
fn open_files_are_bounded() {
    let c = case();
    let mut g = guest(c.path());
    for _ in 0..wasi::MAX_OPEN_FILES {
        assert_eq!(open(&mut g, b"plain.txt", FOLLOW, 0).0, 0);
    }
    assert_eq!(open(&mut g, b"plain.txt", FOLLOW, 0).0, wasi::EMFILE);
}

#[test]
fn a_granted_folder_must_be_a_real_folder_inside_the_case() {
    let c = case();
    let case = c.path();
    let grant = |host: &Path| WasiState::new(vec![], vec![]).grant("/g", host, case).map(|_| ());
    assert!(grant(&case.join("data")).is_ok());
    assert!(grant(&case.join("data/sub")).is_ok());
    assert!(matches!(grant(&case.join("root")), Err(GrantError::Symlink { .. })));
    assert!(matches!(grant(&case.join("data/link-root")), Err(GrantError::Symlink { .. })));
    // A link in a parent component that leaves the case fails in the capability lookup.
    assert!(matches!(grant(&case.join("root/tmp")), Err(GrantError::Io { .. })));
    assert!(matches!(grant(&case.join("data/plain.txt")), Err(GrantError::NotDir { .. })));
    assert!(matches!(grant(&case.join("data/../..")), Err(GrantError::Outside { .. })));
    assert!(matches!(grant(Path::new("/etc")), Err(GrantError::Outside { .. })));
    let message = grant(&case.join("root")).unwrap_err().to_string();
    assert!(message.contains("symbolic link"), "{message}");
}
