//! How index.html embeds its cells: as columns of a table whose text values are indices into one
//! list of distinct strings, so that 4,000 cells do not repeat their field names, the same diff,
//! stdout or detail seen in hundreds of cells, or what page.js builds from other fields (a cell's
//! name, `engine/libc/strategy/case`, and its rerun command, from [`COMMAND`]). page.js unpacks
//! it into the objects [`Data`] describes before anything else reads it.

use std::collections::HashMap;

use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::Value;

use super::data::{CaseData, Data};

/// The command that reruns a cell; page.js fills in the `{field}`s.
pub const COMMAND: &str =
    "cargo run -p dylab -- run --engine {engine} --libc {libc} --strategy {strategy} --case {case} --no-native";

#[derive(Serialize)]
pub struct Packed<'a> {
    cases: &'a std::collections::BTreeMap<&'a str, CaseData<'a>>,
    command: &'static str,
    columns: Vec<String>,
    /// The columns whose values (null apart) index `strings`.
    interned: Vec<String>,
    strings: Vec<String>,
    rows: Vec<Vec<Value>>,
}

pub fn pack<'a>(data: &'a Data<'a>) -> Result<Packed<'a>> {
    let cells = serde_json::to_value(&data.cells)?;
    let objects: Vec<&serde_json::Map<String, Value>> =
        cells.as_array().map(|a| a.iter().filter_map(Value::as_object).collect()).unwrap_or_default();
    let columns: Vec<String> = objects.first().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let interned: Vec<String> =
        columns.iter().filter(|c| objects.iter().any(|o| o[c.as_str()].is_string())).cloned().collect();
    let mut strings = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(objects.len());
    for o in &objects {
        let mut row = Vec::with_capacity(columns.len());
        for c in &columns {
            let v = &o[c.as_str()];
            row.push(match v {
                Value::String(s) => {
                    let next = strings.len();
                    let i = *index.entry(s.clone()).or_insert(next);
                    if i == next {
                        strings.push(s.clone());
                    }
                    Value::from(i)
                }
                Value::Null => Value::Null,
                // A text column holding something else would be unpacked wrongly.
                _ if interned.contains(c) => bail!("column {c} mixes text and {v}"),
                _ => v.clone(),
            });
        }
        rows.push(row);
    }
    Ok(Packed { cases: &data.cases, command: COMMAND, columns, interned, strings, rows })
}

#[cfg(test)]
mod tests {
    use super::super::data::CellData;
    use super::*;

    fn cell<'a>(case: &'a str, stdout: Option<&'a str>, exit_code: Option<i32>) -> CellData<'a> {
        CellData {
            engine: crate::cell::EngineKind::reference().name().into(),
            libc: "libc-module".into(),
            strategy: "direct".into(),
            case,
            outcome: "ok".into(),
            full: "ok".into(),
            expected: "ok".into(),
            as_expected: true,
            trap: None,
            exit_code,
            detail: "",
            stdout,
            stderr: "",
            diff: None,
        }
    }

    /// page.js's unpacking, in Rust: every cell's fields as they were, from columns and strings.
    fn unpack(p: &Packed) -> Vec<serde_json::Map<String, Value>> {
        p.rows
            .iter()
            .map(|r| {
                p.columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| match (p.interned.contains(c), v) {
                        (true, Value::Number(i)) => {
                            (c.clone(), Value::from(p.strings[i.as_u64().unwrap() as usize].clone()))
                        }
                        _ => (c.clone(), v.clone()),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn cells_unpack_to_what_they_were_and_a_repeated_text_is_stored_once() {
        let long = "a line of output\n".repeat(20);
        let data = Data {
            cases: Default::default(),
            cells: vec![cell("a", Some(&long), Some(0)), cell("b", Some(&long), None), cell("c", None, Some(3))],
        };
        let packed = pack(&data).unwrap();
        let original = serde_json::to_value(&data.cells).unwrap();
        let unpacked: Vec<Value> = unpack(&packed).into_iter().map(Value::Object).collect();
        assert_eq!(Value::Array(unpacked), original);
        assert_eq!(packed.strings.iter().filter(|s| **s == long).count(), 1);
        assert!(packed.interned.contains(&"stdout".to_string()) && !packed.interned.contains(&"exit_code".to_string()));
        let json = serde_json::to_string(&packed).unwrap();
        assert!(json.len() < serde_json::to_string(&data).unwrap().len(), "{json}");
    }
}
