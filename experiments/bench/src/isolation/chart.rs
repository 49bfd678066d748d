//! The isolation row at the foot of calls.svg: per bytes copied per call, a line per engine and
//! layout (shared memory, isolated, isolated-fused, component model), instructions left and time
//! right, both log scale (from data/isolation.json).

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::isolation::{CopyData, CopyRow, Layout, SIZES};

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draws the two panels into `left` and `right`.
pub fn draw(left: &Area, right: &Area, data: &CopyData) -> Result<()> {
    panel(left, data, "isolated memories: instructions per call by bytes copied", |r| r.instructions_per_call)?;
    panel(right, data, "isolated memories: time per call by bytes copied (median)", |r| Some(r.ns_per_call))
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing the isolation chart: {e}")
}

fn panel(area: &Area, data: &CopyData, title: &str, metric: fn(&CopyRow) -> Option<f64>) -> Result<()> {
    let rows: Vec<&CopyRow> = data.rows.iter().filter(|r| r.kernel.is_none()).collect();
    let values: Vec<f64> = rows.iter().filter_map(|r| metric(r)).filter(|v| *v > 0.0).collect();
    let (Some(lo), Some(hi)) = (values.iter().copied().reduce(f64::min), values.iter().copied().reduce(f64::max)) else {
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
    let mut lines: Vec<(dylab_engines::EngineKind, Layout)> = rows.iter().map(|r| (r.engine, r.layout)).collect();
    lines.sort();
    lines.dedup();
    for (li, (engine, layout)) in lines.into_iter().enumerate() {
        let colour = Palette99::pick(li).to_rgba();
        let line: Vec<(f64, f64)> = SIZES
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let r = rows.iter().find(|r| r.engine == engine && r.layout == layout && r.bytes == *b)?;
                Some((i as f64, metric(r)?))
            })
            .collect();
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
