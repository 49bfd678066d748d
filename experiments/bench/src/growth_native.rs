//! The native line of the loader growth: the bench callee built by gcc -m32 as a shared object and
//! dlopened again and again under new names by glibc's ld.so (`corpus/bench/native/growth.c`), each
//! dlopen timed in the program; the n-th dlopen's statistic is the engines' ([`growth::window_median`]).
//! The reference line of growth.svg and the native table of calls.md's loader growth.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use dylab_toolchain::native::{NativeModule, NativeToolchain};
use dylab_toolchain::Sources;
use serde::{Deserialize, Serialize};

use crate::growth::{self, CHECKPOINTS};

/// The native n-th dlopen, at the engines' checkpoints.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NativeGrowth {
    /// The compiler (`gcc --version`'s first line).
    pub compiler: String,
    pub rows: Vec<NativeGrowthRow>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NativeGrowthRow {
    /// Libraries loaded, this one included.
    pub libraries: usize,
    /// As [`growth::GrowthRow::dlopen_us`].
    pub dlopen_us: f64,
}

/// Builds growth.c and callee.so (cached) and loads `max` libraries (10,000: about 20 s).
pub fn measure(tc: &NativeToolchain, bench: &Path, max: usize) -> Result<NativeGrowth> {
    let callee =
        NativeModule { name: "callee.so".into(), sources: Sources::at(&[bench.join("callee.c")])?, needed: vec![] };
    let main =
        NativeModule { name: "growth".into(), sources: Sources::at(&[bench.join("native/growth.c")])?, needed: vec![] };
    let built = tc.build(&[callee], &main, &[])?;
    // growth.c writes its copies of callee.so beside itself: a folder of our own, not the cache's.
    let run = tempfile::tempdir().context("creating the native growth's folder")?;
    for name in ["growth", "callee.so"] {
        std::fs::copy(built.join(name), run.path().join(name)).with_context(|| format!("copying {name}"))?;
    }
    let out = Command::new(run.path().join("growth"))
        .arg(max.to_string())
        .current_dir(run.path())
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .context("running the native growth")?;
    if !out.status.success() {
        bail!("the native growth failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    let times = parse(&String::from_utf8_lossy(&out.stdout), max)?;
    Ok(NativeGrowth { compiler: tc.version(), rows: rows(&times) })
}

/// growth.c's output: one dlopen's nanoseconds a line, `max` lines; in µs.
fn parse(stdout: &str, max: usize) -> Result<Vec<f64>> {
    let times: Vec<f64> = stdout
        .lines()
        .map(|l| l.trim().parse::<u64>().map(|ns| ns as f64 / 1e3))
        .collect::<Result<_, _>>()
        .context("the native growth printed something other than nanoseconds")?;
    if times.len() != max {
        bail!("the native growth timed {} dlopens of {max}", times.len());
    }
    Ok(times)
}

/// The statistic at every checkpoint the times reach.
fn rows(times: &[f64]) -> Vec<NativeGrowthRow> {
    CHECKPOINTS
        .into_iter()
        .filter(|&n| n <= times.len())
        .map(|n| NativeGrowthRow { libraries: n, dlopen_us: growth::window_median(&times[..n]) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_take_the_median_of_the_last_nine_loads() {
        // 1..=12 µs, then one slow load at 10: the median of loads 2..=10 is 6, not 10's 1000.
        let mut ns: Vec<String> = (1..=12).map(|i| (i * 1000).to_string()).collect();
        ns[9] = "1000000".into();
        let times = parse(&ns.join("\n"), 12).unwrap();
        let got: Vec<(usize, f64)> = rows(&times).iter().map(|r| (r.libraries, r.dlopen_us)).collect();
        assert_eq!(got, [(1, 1.0), (3, 2.0), (10, 6.0)]);
        assert!(parse("12\n13\n", 3).is_err(), "a run that stopped early is an error");
        assert!(parse("12\nsegfault\n", 2).is_err());
    }
}
