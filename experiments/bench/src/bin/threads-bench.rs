//! `threads-bench`: dlopen with 1 to 16 running threads under each design of keeping the threads'
//! tables in step, and what each adds to a synchronisation point (issue 22; see
//! `dylab_bench::threads`). `--quick` runs each point once; `--write` writes reports/data/threads.json
//! and reports/threads.svg (calls.md shows the table from the JSON).

use anyhow::{bail, Result};
use dylab_bench::threads::{markdown, measure, svg};
use dylab_lab::Paths;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    if let Some(bad) = args.iter().find(|a| !["--quick", "--write"].contains(&a.as_str())) {
        bail!("unknown argument {bad:?} (use --quick, --write)");
    }
    let paths = Paths::locate(None)?;
    let runs = if has("--quick") { 1 } else { 5 };
    let data = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, || measure(&paths, runs, &|p| eprintln!("{p}")))
            .expect("spawning the bench thread")
            .join()
            .unwrap_or_else(|_| bail!("the bench thread panicked"))
    })?;
    print!("{}", markdown(&data));
    if has("--write") {
        std::fs::create_dir_all(paths.reports.join("data"))?;
        std::fs::write(paths.reports.join("data/threads.json"), serde_json::to_string_pretty(&data)? + "\n")?;
        std::fs::write(paths.reports.join("threads.svg"), svg(&data)?)?;
    }
    Ok(())
}
