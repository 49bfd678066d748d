//! The report's charts (plotters, SVG backend; text is laid out by estimate, no fonts needed):
//! `calls.svg`, per engine, every variant and kernel, instruction counts beside times (with their
//! interquartile range), log scale; `growth.svg`, the loader growth curves.

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use dylab_engines::EngineKind;

use crate::calls::{Kernel, Variant};
use crate::growth::Point as GrowthPoint;
use crate::measurement::{Measurement, Measurements, Metric, Of};
use crate::subject::Subject;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

const PANEL: (u32, u32) = (760, 470);
/// Height of the kernel legend above the panels of calls.svg.
const LEGEND: u32 = 46;

/// An axis value without needless decimals: 17, 250, 1500; 0.5.
fn tick(v: &f64) -> String {
    if *v >= 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The kernels' colours, once for every panel, in a strip above them.
fn kernel_legend(area: &Area) -> Result<()> {
    let per = area.dim_in_pixel().0 as i32 / Kernel::ALL.len() as i32;
    for (ki, k) in Kernel::ALL.iter().enumerate() {
        let x = 12 + per * ki as i32;
        area.draw(&Circle::new((x, 22), 5, Palette99::pick(ki).to_rgba().filled())).map_err(err)?;
        let text = format!("{} {}", k.name(), k.describe());
        area.draw(&Text::new(text, (x + 10, 16), ("sans-serif", 12))).map_err(err)?;
    }
    Ok(())
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// The series' legend as every chart of the lab draws it: top left, on a light background.
pub(crate) fn legend<'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)
}

/// A log axis covering `values` with some room either side.
fn log_range(values: impl Iterator<Item = f64>) -> Option<std::ops::Range<f64>> {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (hi > 0.0).then(|| lo / 1.6..hi * 1.6)
}

/// One point of a variant-by-kernel panel: value and optional spread (low, high).
struct Point {
    variant: Variant,
    kernel: Kernel,
    value: f64,
    spread: Option<(f64, f64)>,
}

/// Rows top to bottom in [`Variant::ALL`]'s order; each kernel a colour, offset within its row.
fn variant_panel(area: &Area, title: &str, x_desc: &str, points: &[Point]) -> Result<()> {
    let spans = points.iter().flat_map(|p| {
        let (lo, hi) = p.spread.unwrap_or((p.value, p.value));
        [p.value, lo, hi]
    });
    let Some(x) = log_range(spans) else {
        return Ok(());
    };
    let rows = Variant::ALL.len();
    let y_of = |v: Variant, k: Kernel| {
        let row = Variant::ALL.iter().position(|&x| x == v).unwrap_or(0);
        let slot = Kernel::ALL.iter().position(|&x| x == k).unwrap_or(0) as f64;
        (rows - 1 - row) as f64 + (slot - (Kernel::ALL.len() - 1) as f64 / 2.0) * 0.11
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 17))
        .margin(8)
        .x_label_area_size(38)
        .y_label_area_size(130)
        .build_cartesian_2d(x.log_scale(), -0.5..rows as f64 - 0.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .x_label_formatter(&tick)
        .y_labels(rows)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 0.01 || i < 0.0 || i as usize >= rows {
                return String::new();
            }
            Variant::ALL[rows - 1 - i as usize].name().to_string()
        })
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for (ki, &kernel) in Kernel::ALL.iter().enumerate() {
        let colour = Palette99::pick(ki).to_rgba();
        let mine: Vec<&Point> = points.iter().filter(|p| p.kernel == kernel).collect();
        if mine.is_empty() {
            continue;
        }
        chart
            .draw_series(mine.iter().filter_map(|p| {
                let (lo, hi) = p.spread?;
                let y = y_of(p.variant, p.kernel);
                Some(PathElement::new(vec![(lo, y), (hi, y)], colour.stroke_width(2)))
            }))
            .map_err(err)?;
        chart
            .draw_series(mine.iter().map(|p| Circle::new((p.value, y_of(p.variant, p.kernel)), 3, colour.filled())))
            .map_err(err)?;
    }
    Ok(())
}

/// `calls.svg`: a row per engine of `engines`, the instruction counts (when there are some) left,
/// times right; with, when given, a last row: the isolation table by bytes copied
/// ([`crate::isolation::chart`]).
pub fn calls_svg(
    engines: &[EngineKind],
    times: &Measurements,
    counts: Option<&Measurements>,
    isolation: Option<&Measurements>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let rows = engines.len().max(1) + usize::from(isolation.is_some());
        let size = (PANEL.0 * 2, LEGEND + PANEL.1 * rows as u32);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (legend, body) = root.split_vertically(LEGEND);
        kernel_legend(&legend)?;
        let panels = body.split_evenly((rows, 2));
        if let Some(m) = isolation {
            crate::isolation::chart::draw(&panels[2 * (rows - 1)], &panels[2 * rows - 1], m)?;
        }
        for (i, &engine) in engines.iter().enumerate() {
            let counted = counts.map_or_else(Vec::new, |c| call_points(c, engine, Metric::Instructions, false));
            let timed = call_points(times, engine, Metric::Median, true);
            let left = format!("{engine}: instructions per call (callgrind, exact)");
            variant_panel(&panels[2 * i], &left, "instructions per loop iteration (log)", &counted)?;
            let right = format!("{engine}: time per call (median, bar: interquartile range)");
            variant_panel(&panels[2 * i + 1], &right, "ns per loop iteration (log)", &timed)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// `engine`'s calls of a kernel under a variant by `metric`, in the order measured; with `spread`,
/// each with its interquartile range.
fn call_points(m: &Measurements, engine: EngineKind, metric: Metric, spread: bool) -> Vec<Point> {
    let point = |r: &Measurement| {
        let Of::Loop(Subject::Call(variant, kernel)) = r.of else { return None };
        let quartile = |q| m.value(engine, r.of, q);
        let spread = if spread { Some((quartile(Metric::Q1)?, quartile(Metric::Q3)?)) } else { None };
        Some(Point { variant, kernel, value: r.value, spread })
    };
    m.with(metric).filter(|r| r.engine() == Some(engine)).filter_map(point).collect()
}

/// `growth.svg`: a row per engine, the n-th dlopen's time left and the table elements held right,
/// against libraries loaded, a line per strategy (log-log); glibc's ld.so dashed in every dlopen panel.
/// `native`: the native reference's (libraries, µs) points.
pub fn growth_svg(rows: &[GrowthPoint], native: &[(usize, f64)]) -> Result<String> {
    let mut engines: Vec<EngineKind> = rows.iter().map(|r| r.engine).collect();
    engines.dedup();
    let mut svg = String::new();
    if engines.is_empty() {
        return Ok(svg);
    }
    {
        let root = SVGBackend::with_string(&mut svg, (PANEL.0 * 2, PANEL.1 * engines.len() as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let panels = root.split_evenly((engines.len(), 2));
        type Metric = fn(&GrowthPoint) -> f64;
        let metrics: [(&str, &str, Metric); 2] = [
            ("dlopen of the n-th library", "µs (log)", |r| r.dlopen_us),
            ("funcref table elements held", "elements, all tables (log)", |r| r.table_elements as f64),
        ];
        for (i, engine) in engines.iter().enumerate() {
            let mine: Vec<&GrowthPoint> = rows.iter().filter(|r| r.engine == *engine).collect();
            for (j, (what, unit, metric)) in metrics.iter().enumerate() {
                // The native line is a time: the dlopen panel's only.
                let native_line: Vec<(f64, f64)> = match j {
                    0 => native.iter().map(|&(n, us)| (n as f64, us)).collect(),
                    _ => Vec::new(),
                };
                let panel = GrowthPanel { title: format!("{engine}: {what}"), unit, metric: *metric };
                panel.draw(&panels[2 * i + j], &mine, native_line)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One panel of growth.svg: an engine's strategies by one metric, and the native line if any.
struct GrowthPanel<'a> {
    title: String,
    unit: &'a str,
    metric: fn(&GrowthPoint) -> f64,
}

impl GrowthPanel<'_> {
    fn draw(&self, area: &Area, mine: &[&GrowthPoint], native_line: Vec<(f64, f64)>) -> Result<()> {
        let metric = self.metric;
        let values = mine.iter().map(|r| metric(r)).chain(native_line.iter().map(|p| p.1));
        let Some(y) = log_range(values) else { return Ok(()) };
        let last = mine.iter().map(|r| r.libraries).max().unwrap_or(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, ("sans-serif", 17))
            .margin(8)
            .x_label_area_size(38)
            .y_label_area_size(70)
            .build_cartesian_2d((0.8..last * 1.25).log_scale(), y.log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("libraries loaded (log)")
            .y_desc(self.unit)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let mut strategies: Vec<dylink::Strategy> = mine.iter().map(|r| r.strategy).collect();
        strategies.dedup();
        for (si, strategy) in strategies.iter().enumerate() {
            let colour = Palette99::pick(si).to_rgba();
            let line: Vec<(f64, f64)> =
                mine.iter().filter(|r| r.strategy == *strategy).map(|r| (r.libraries as f64, metric(r))).collect();
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(err)?;
            chart
                .draw_series(LineSeries::new(line, colour.stroke_width(2)))
                .map_err(err)?
                .label(strategy.name())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        if !native_line.is_empty() {
            let black = BLACK.stroke_width(2);
            chart.draw_series(native_line.iter().map(|&p| Cross::new(p, 4, black))).map_err(err)?;
            chart
                .draw_series(DashedLineSeries::new(native_line, 6, 4, black))
                .map_err(err)?
                .label("native (glibc ld.so)")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], black));
        }
        legend(&mut chart)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measurement::fixture::{two_engines, Timings};

    /// Whether the SVG has a text element reading exactly `text` (plotters puts it on its own line).
    fn has_text(svg: &str, text: &str) -> bool {
        svg.contains(&format!("\n{text}\n</text>"))
    }

    /// Real axes and labels in the SVG itself: every variant's name on the y axis, the kernels in the
    /// legend, both panels' titles; drawn with no font files (plotters without `ttf`). A point per
    /// measured row: none dropped.
    #[test]
    fn the_calls_chart_labels_every_variant_and_kernel_and_puts_counts_beside_times() {
        let (e, other) = two_engines();
        let times = Timings::default()
            .floor(e, Kernel::K1, 1.5)
            .call(e, Variant::TrampolineDynamic, Kernel::Kmega, 180.0, 120.0)
            .call(other, Variant::SharedTable, Kernel::Kptr, 9.0, 1.1)
            .build();
        let counts = Timings::default().count(e, Variant::IntraDirect, Kernel::K1, 17.0, true).build();
        let svg = calls_svg(&[e, other], &times, Some(&counts), None).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        for v in Variant::ALL {
            assert!(has_text(&svg, v.name()), "no y label {}", v.name());
        }
        assert!(has_text(&svg, "k1 int f(int)") && has_text(&svg, "kmega int f(int), 8 callees in a ring"));
        assert!(
            svg.contains(&format!("{e}: instructions per call")) && svg.contains(&format!("{other}: time per call"))
        );
        assert!(svg.contains("ns per loop iteration (log)"));
        // The kernels' legend, three times and one count.
        assert_eq!(svg.matches("<circle").count(), Kernel::ALL.len() + 3 + 1, "{svg}");
        let fewer = Timings::default().floor(e, Kernel::K1, 1.5).build();
        assert_eq!(
            calls_svg(&[e, other], &fewer, None, None).unwrap().matches("<circle").count(),
            Kernel::ALL.len() + 1
        );
    }

    #[test]
    fn the_growth_chart_has_a_line_per_strategy() {
        let e = EngineKind::reference();
        let row = |strategy, libraries, us| GrowthPoint {
            engine: e,
            strategy,
            libraries,
            dlopen_us: us,
            table_elements: libraries as u64 * 20,
            memory_bytes: 1 << 20,
        };
        use dylink::Strategy::{ReplicatedTables, SharedTable};
        let rows = [
            row(SharedTable, 1, 50.0),
            row(SharedTable, 100, 60.0),
            row(ReplicatedTables, 1, 50.0),
            row(ReplicatedTables, 100, 900.0),
        ];
        let svg = growth_svg(&rows, &[]).unwrap();
        assert!(has_text(&svg, "shared-table") && has_text(&svg, "replicated-tables"));
        assert!(svg.contains(&format!("{e}: dlopen of the n-th library")) && svg.contains("libraries loaded (log)"));
        assert!(!has_text(&svg, "native (glibc ld.so)"));
        assert_eq!(growth_svg(&[], &[]).unwrap(), "");
        // The native reference: one legend entry per dlopen panel (one engine here), none on tables.
        let svg = growth_svg(&rows, &[(1, 90.0), (100, 50_000.0)]).unwrap();
        assert_eq!(svg.matches("\nnative (glibc ld.so)\n</text>").count(), 1, "{svg}");
        // The y axis reaches the native line's 50,000 µs, far above every engine point (900).
        assert!(has_text(&svg, "10000") && !has_text(&growth_svg(&rows, &[]).unwrap(), "10000"));
    }
}
