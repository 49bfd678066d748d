//! Third-party sources a case may build from (`vendor = "sqlite"`, `vendor = "lua"` in case.toml): fetched from a
//! package registry at set-up into one folder of the target folder, never kept in git. A case names
//! the tree, not a path, so that no manifest can point a build at an arbitrary host folder.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::Deserialize;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// The SQLite amalgamation (sqlite3.c, sqlite3.h, sqlite3ext.h) from crates.io's libsqlite3-sys.
    Sqlite,
    /// The Lua 5.4 sources (src/*.c, *.h) from crates.io's lua-src.
    Lua,
}

impl Vendor {
    fn folder(self) -> &'static str {
        match self {
            Vendor::Sqlite => "sqlite",
            Vendor::Lua => "lua",
        }
    }

    fn fetch_script(self) -> &'static str {
        match self {
            Vendor::Sqlite => "scripts/fetch-sqlite.sh",
            Vendor::Lua => "scripts/fetch-lua.sh",
        }
    }

    /// Its folder beneath `target` (the folder holding the lab's cache), which must have been fetched.
    pub fn dir(self, target: &Path) -> Result<PathBuf> {
        let dir = target.join(self.folder());
        if !dir.is_dir() {
            bail!(
                "the third-party sources `{}` are not fetched: {} is missing (run {}, which scripts/setup.sh runs)",
                self.folder(),
                dir.display(),
                self.fetch_script()
            );
        }
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_names_the_fetch_script() {
        let t = tempfile::tempdir().unwrap();
        let e = Vendor::Sqlite.dir(t.path()).unwrap_err().to_string();
        assert!(e.contains("scripts/fetch-sqlite.sh") && e.contains("sqlite"), "{e}");
        std::fs::create_dir(t.path().join("sqlite")).unwrap();
        assert_eq!(Vendor::Sqlite.dir(t.path()).unwrap(), t.path().join("sqlite"));
        let e = Vendor::Lua.dir(t.path()).unwrap_err().to_string();
        assert!(e.contains("scripts/fetch-lua.sh") && e.contains("lua"), "{e}");
    }
}
