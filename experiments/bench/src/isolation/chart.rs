//! The isolation row at the foot of calls.svg: per bytes copied per call, a line per engine and
//! layout (shared memory, isolated, isolated-fused, component model), instructions left and time
//! right, both log scale (from data/isolation.json).

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use dylab_engines::EngineKind;

use crate::isolation::{Layout, Load, SIZES};
use crate::measurement::{Measurements, Metric, Of};

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws the two panels into `left` and `right` from the isolation rows' measurements.
pub fn draw(left: &Area, right: &Area, m: &Measurements) -> Result<()> {
    panel(left, m, "isolated memories: instructions per call by bytes copied", Metric::Instructions)?;
    panel(right, m, "isolated memories: time per call by bytes copied (median)", Metric::Median)
}

/// The rows by bytes copied (not the component's kernels), in the order measured: every row has a
/// time, not every row a count.
fn by_bytes(m: &Measurements) -> Vec<(EngineKind, Layout, u32)> {
    let row = |r: &crate::measurement::Measurement| match r.of {
        Of::Copy { layout, load: Load::Bytes(b) } => Some((r.engine()?, layout, b)),
        _ => None,
    };
    m.with(Metric::Median).filter_map(row).collect()
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing the isolation chart: {e}")
}

fn panel(area: &Area, m: &Measurements, title: &str, metric: Metric) -> Result<()> {
    let rows = by_bytes(m);
    let value = |engine, layout, b| m.value(engine, Of::Copy { layout, load: Load::Bytes(b) }, metric);
    let values: Vec<f64> = rows.iter().filter_map(|&(e, l, b)| value(e, l, b)).filter(|v| *v > 0.0).collect();
    let (Some(lo), Some(hi)) = (values.iter().copied().reduce(f64::min), values.iter().copied().reduce(f64::max))
    else {
        return Ok(());
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 17))
        .margin(8)
        .x_label_area_size(38)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.3..SIZES.len() as f64 - 0.7, (lo / 1.6..hi * 1.6).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("bytes copied per call")
        .x_labels(SIZES.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            match (x - i).abs() < 0.01 && i >= 0.0 {
                true => SIZES.get(i as usize).map_or(String::new(), |b| b.to_string()),
                false => String::new(),
            }
        })
        .y_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    let mut lines: Vec<(EngineKind, Layout)> = rows.iter().map(|&(e, l, _)| (e, l)).collect();
    lines.sort();
    lines.dedup();
    for (li, (engine, layout)) in lines.into_iter().enumerate() {
        let colour = Palette99::pick(li).to_rgba();
        let line: Vec<(f64, f64)> =
            SIZES.iter().enumerate().filter_map(|(i, &b)| Some((i as f64, value(engine, layout, b)?))).collect();
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(err)?;
        chart
            .draw_series(LineSeries::new(line, colour.stroke_width(2)))
            .map_err(err)?
            .label(format!("{engine} {layout}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
    }
    crate::charts::legend(&mut chart)?;
    Ok(())
}
