//! How a cell ended, as text: the one renderer of outcomes for tables, findings and the CLI.

use std::fmt;
use std::str::FromStr;

use dylink::{Status, TrapKind};

/// A status with its trap kind, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Outcome {
    pub status: Status,
    pub trap: Option<TrapKind>,
}

/// The two spellings the reports use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `trap (table-out-of-bounds)`, `timeout (out-of-fuel)`: every detail, for per-cell tables.
    Full,
    /// `trap: table-out-of-bounds`, `timeout`: only a trap's kind, for grids and findings.
    Short,
}

impl Outcome {
    pub fn new(status: Status, trap: Option<TrapKind>) -> Outcome {
        Outcome { status, trap }
    }

    pub fn render(self, style: Style) -> String {
        match (style, self.status, self.trap) {
            (Style::Full, status, Some(t)) => format!("{status} ({t})"),
            (Style::Short, Status::Trap, Some(t)) => format!("trap: {t}"),
            (_, status, _) => status.to_string(),
        }
    }

    /// Whether two outcomes read the same in `style` (a timeout's kind does not show in `Short`).
    pub fn same(self, other: Outcome, style: Style) -> bool {
        self.render(style) == other.render(style)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Style::Full))
    }
}

/// Parses the `Short` spelling (`ok`, `trap: host`, `wrong-call`, ...), as written in findings.toml.
impl FromStr for Outcome {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Outcome> {
        if let Some(kind) = s.strip_prefix("trap: ") {
            let trap = kind.parse::<TrapKind>().map_err(|_| anyhow::anyhow!("unknown trap kind {kind:?}"))?;
            return Ok(Outcome::new(Status::Trap, Some(trap)));
        }
        match s.parse::<Status>() {
            Ok(status) if status != Status::Trap => Ok(Outcome::new(status, None)),
            _ => anyhow::bail!(
                "unknown outcome {s:?} (ok, trap: <kind>, wrong-call, wrong-output, link-error, timeout, unsupported, limit)"
            ),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(d)?.parse().map_err(|e| serde::de::Error::custom(format!("{e:#}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        let trap = Outcome::new(Status::Trap, Some(TrapKind::TableOutOfBounds));
        assert_eq!(trap.render(Style::Full), "trap (table-out-of-bounds)");
        assert_eq!(trap.render(Style::Short), "trap: table-out-of-bounds");
        let timeout = Outcome::new(Status::Timeout, Some(TrapKind::OutOfFuel));
        assert_eq!(timeout.render(Style::Full), "timeout (out-of-fuel)");
        assert_eq!(timeout.render(Style::Short), "timeout");
        assert_eq!(Outcome::new(Status::WrongCall, None).to_string(), "wrong-call");
    }

    #[test]
    fn parses_the_short_spelling() {
        assert_eq!("trap: host".parse::<Outcome>().unwrap(), Outcome::new(Status::Trap, Some(TrapKind::Host)));
        assert_eq!("link-error".parse::<Outcome>().unwrap(), Outcome::new(Status::LinkError, None));
        assert!("trap".parse::<Outcome>().is_err());
        assert!("trap: nope".parse::<Outcome>().is_err());
        assert!("fine".parse::<Outcome>().is_err());
    }
}
