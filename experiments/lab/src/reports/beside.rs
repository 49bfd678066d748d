//! What other commands leave in the reports folder (`dylab bench`: calls.md, isolation.md, calls.svg,
//! growth.svg): read by index.html, which shows every page and chart there, whatever wrote it.

use std::path::Path;

use anyhow::{Context, Result};

/// Markdown pages and SVG charts of the reports folder that no [`super::ALL`] report writes,
/// each `(file name, content)`, in name order.
#[derive(Debug, Default)]
pub struct Beside {
    pub pages: Vec<(String, String)>,
    pub charts: Vec<(String, String)>,
}

impl Beside {
    /// The folder's pages and charts; nothing when it does not exist yet.
    pub fn read(dir: &Path) -> Result<Beside> {
        let mut beside = Beside::default();
        let Ok(entries) = std::fs::read_dir(dir) else { return Ok(beside) };
        let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        names.sort();
        for name in names {
            let ours = super::ALL.iter().any(|r| r.path() == name);
            let list = match Path::new(&name).extension().and_then(|e| e.to_str()) {
                Some("md") if !ours => &mut beside.pages,
                Some("svg") => &mut beside.charts,
                _ => continue,
            };
            let path = dir.join(&name);
            list.push((name, std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?));
        }
        Ok(beside)
    }
}
