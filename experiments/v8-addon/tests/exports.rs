//! The addon's exports as Node sees them are exactly [`dylab_v8::EXPORTS`], every entry point the
//! bench asks a hosting process for is among them, and host.js names none itself: a name missing
//! or misspelt on either side fails here.

use std::process::Command;

use dylab_engine_v8::{remote, Node26, Tier};

#[test]
fn node_sees_exactly_the_exports_and_the_bench_entries_are_among_them() {
    let addon = remote::addon_path().expect("the addon is built beside this test");
    let list = "const m = { exports: {} }; process.dlopen(m, process.argv[1]); console.log(JSON.stringify(Object.keys(m.exports).sort()))";
    let node = <Node26 as Tier>::RUNTIME.node_path();
    let out = Command::new(&node).arg("-e").arg(list).arg(&addon).output().expect("Node (scripts/setup-node.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    let mut names: Vec<&str> = dylab_v8::EXPORTS.iter().map(|(name, _)| *name).collect();
    names.sort();
    assert_eq!(seen, names);
    for entry in dylab_bench::hosted::ENTRIES {
        assert!(names.contains(&entry), "the bench's entry {entry} is not exported");
    }
}

#[test]
fn host_js_calls_only_the_export_it_is_given() {
    for (name, _) in dylab_v8::EXPORTS {
        assert!(!remote::HOST_JS.contains(name), "host.js names {name}");
    }
}
