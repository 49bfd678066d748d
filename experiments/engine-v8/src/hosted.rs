//! V8's host process for the lab's measurements: Node with the addon `dylab_v8`, which serves the
//! entry points `bench` and `count` with the bench's code (crate `dylab-v8-addon`).

use std::process::Command;

use dylink::engine::ProcessHost;

use crate::{remote, COUNT_FLAGS};

/// Valgrind options for Node. V8 writes code and then runs it: `--smc-check=all-non-file` makes
/// valgrind notice code rewritten in place (V8 patches jump tables and call sites) in every mapping
/// not backed by a file, which is where generated code lives, instead of running a stale
/// translation. `--smc-check=all` (which also checks Node's own code) took about 190 s for all V8
/// cells, this 170-175 s.
pub const VALGRIND_OPTIONS: &[&str] = &["--smc-check=all-non-file"];

/// Node, started once per request.
pub struct Node;

pub static NODE: Node = Node;

impl ProcessHost for Node {
    fn describe(&self) -> &'static str {
        "a Node process"
    }

    fn once(&self, entry: &str, input: &str) -> Result<String, String> {
        remote::once(entry, input)
    }

    fn counting(&self, entry: &str) -> Result<(Command, &'static [&'static str]), String> {
        Ok((remote::command(COUNT_FLAGS, Some(entry))?, VALGRIND_OPTIONS))
    }
}
