//! `[limits]` in case.toml: a case may raise (or lower) the resources of its cells, up to the hard caps.

use std::time::Duration;

use anyhow::{bail, Result};
use dylink::engine::Limits;
use serde::Deserialize;

/// Each field overrides the same field of [`Limits::DEFAULT`]; more than [`Limits::HARD`] is an error.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitsTable {
    /// Fuel for guest code; a cell that runs out is a `timeout`.
    pub fuel: Option<u64>,
    /// Bytes of linear memory, summed over the memories of a cell.
    pub memory_bytes: Option<u64>,
    /// Elements of one funcref table.
    pub table_elements: Option<u32>,
    /// Instances (modules loaded, libc included).
    pub instances: Option<u32>,
    /// Bytes the host allocates at once on the guest's behalf.
    pub host_buffer_bytes: Option<u64>,
    /// Open dlopen handles and loaded modules.
    pub handles: Option<u32>,
    /// Wall-clock time of a cell, in milliseconds; a cell that takes longer is a `timeout`.
    pub wall_clock_ms: Option<u64>,
}

impl LimitsTable {
    /// The limits of a case's cells; `top_level_fuel` is the older `fuel = N` beside `main`.
    pub fn resolve(&self, top_level_fuel: Option<u64>) -> Result<Limits> {
        if top_level_fuel.is_some() && self.fuel.is_some() {
            bail!("fuel is given twice (top level and [limits]); keep one");
        }
        let (d, h) = (&Limits::DEFAULT, &Limits::HARD);
        fn pick<T: PartialOrd + Copy + std::fmt::Display>(name: &str, v: Option<T>, default: T, hard: T) -> Result<T> {
            match v {
                Some(v) if v > hard => bail!("{name} = {v} is above the hard cap {hard}"),
                Some(v) => Ok(v),
                None => Ok(default),
            }
        }
        let wall_ms = pick(
            "[limits] wall_clock_ms",
            self.wall_clock_ms,
            d.wall_clock.as_millis() as u64,
            h.wall_clock.as_millis() as u64,
        )?;
        Ok(Limits {
            fuel: pick("fuel", self.fuel.or(top_level_fuel), d.fuel, h.fuel)?,
            memory_bytes: pick("[limits] memory_bytes", self.memory_bytes, d.memory_bytes, h.memory_bytes)?,
            table_elements: pick("[limits] table_elements", self.table_elements, d.table_elements, h.table_elements)?,
            instances: pick("[limits] instances", self.instances, d.instances, h.instances)?,
            host_buffer_bytes: pick(
                "[limits] host_buffer_bytes",
                self.host_buffer_bytes,
                d.host_buffer_bytes,
                h.host_buffer_bytes,
            )?,
            handles: pick("[limits] handles", self.handles, d.handles, h.handles)?,
            wall_clock: Duration::from_millis(wall_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_overrides_and_caps() {
        assert_eq!(LimitsTable::default().resolve(None).unwrap(), Limits::DEFAULT);
        let l = LimitsTable { memory_bytes: Some(1 << 20), wall_clock_ms: Some(500), ..Default::default() }
            .resolve(Some(7))
            .unwrap();
        assert_eq!((l.fuel, l.memory_bytes, l.wall_clock), (7, 1 << 20, Duration::from_millis(500)));
        assert_eq!(l.table_elements, Limits::DEFAULT.table_elements);
        let err = LimitsTable::default().resolve(Some(i64::MAX as u64)).unwrap_err().to_string();
        assert!(err.contains("fuel = 9223372036854775807 is above the hard cap"), "{err}");
        let err = LimitsTable { table_elements: Some(u32::MAX), ..Default::default() }.resolve(None).unwrap_err();
        assert!(err.to_string().contains("table_elements"), "{err}");
        assert!(LimitsTable { fuel: Some(1), ..Default::default() }.resolve(Some(1)).is_err());
    }
}
