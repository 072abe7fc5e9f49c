//! Pictures drawn here as SVG, with no script and no style attribute (the page's CSP allows
//! neither): the month chart of the Overview and the invitation's QR code.

use crate::texts::{Texts, fill, month_name};
use peerlog_coordinator::MonthTotals;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn month_total(m: &MonthTotals) -> u32 {
    m.outreach + m.group + m.course
}

/// Activity-days per month, this year (solid bars) beside last year (hatched bars), each
/// bar with its number above it: readable without colour and in greyscale. The numbers are
/// also given as a table next to the chart.
pub fn months_svg(t: Texts, year: i32, this: &[MonthTotals], last: &[MonthTotals]) -> String {
    let value = |list: &[MonthTotals], month: u32| {
        list.iter()
            .find(|m| m.month == month)
            .map(month_total)
            .unwrap_or(0)
    };
    let max = (1..=12)
        .map(|m| value(this, m).max(value(last, m)))
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, left, top, bottom) = (720.0_f64, 270.0_f64, 10.0, 24.0, 46.0);
    let plot_h = h - top - bottom;
    let slot = (w - left * 2.0) / 12.0;
    let bar = slot * 0.36;
    let this_label = year.to_string();
    let last_label = (year - 1).to_string();
    let title = t.chart_title();
    let desc = fill(t.chart_desc(), &[&this_label, &last_label]);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
<title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>\
<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
<rect width=\"6\" height=\"6\" fill=\"#ffffff\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#1d3f6e\" stroke-width=\"3\"/></pattern></defs>\
<line x1=\"{left}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#222222\" stroke-width=\"1\"/>",
        escape(title),
        escape(&desc),
        base = h - bottom,
        right = w - left,
    );
    for month in 1..=12u32 {
        let x0 = left + slot * f64::from(month - 1) + slot * 0.12;
        for (i, (v, label, fill_attr)) in [
            (value(this, month), &this_label, "#1d3f6e"),
            (value(last, month), &last_label, "url(#hatch)"),
        ]
        .into_iter()
        .enumerate()
        {
            let bh = plot_h * f64::from(v) / f64::from(max);
            let x = x0 + bar * i as f64 + 2.0 * i as f64;
            let y = h - bottom - bh;
            s.push_str(&format!(
                "<g><title>{} {}: {v}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{fill_attr}\" stroke=\"#1d3f6e\" stroke-width=\"1\"/>\
<text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#111111\">{v}</text></g>",
                escape(month_name(t.0, month)),
                escape(label),
                tx = x + bar / 2.0,
                ty = y - 4.0,
            ));
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#111111\">{}</text>",
            x0 + bar + 1.0,
            h - bottom + 18.0,
            escape(month_name(t.0, month))
        ));
    }
    // Legend: the two bar styles with their years.
    let ly = h - 6.0;
    s.push_str(&format!(
        "<rect x=\"{left}\" y=\"{:.1}\" width=\"14\" height=\"10\" fill=\"#1d3f6e\"/><text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"#111111\">{}</text>\
<rect x=\"{:.1}\" y=\"{:.1}\" width=\"14\" height=\"10\" fill=\"url(#hatch)\" stroke=\"#1d3f6e\"/><text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"#111111\">{}</text>",
        ly - 9.0,
        left + 18.0,
        escape(&this_label),
        left + 70.0,
        ly - 9.0,
        left + 88.0,
        escape(&last_label),
    ));
    s.push_str("</svg>");
    s
}

/// The invitation as a QR code (SVG, made here), or `None` if it is too long for one.
pub fn qr_svg(data: &str, label: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Drop the XML prologue (not allowed inside HTML) and name the picture.
    let start = svg.find("<svg")?;
    let svg = &svg[start..];
    Some(svg.replacen(
        "<svg",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" class=\"qr\"",
            escape(label)
        ),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerlog_core::Locale;

    fn month(month: u32, outreach: u32) -> MonthTotals {
        MonthTotals {
            year: 2025,
            month,
            outreach,
            group: 1,
            course: 0,
            not_counted: 9,
        }
    }

    #[test]
    fn the_chart_writes_every_number_and_no_style() {
        let svg = months_svg(Texts(Locale::En), 2025, &[month(3, 4)], &[month(3, 1)]);
        assert!(svg.contains(">5</text>"), "this year's March (4 + 1)");
        assert!(svg.contains(">2</text>"), "last year's March (1 + 1)");
        assert!(svg.contains("Mar 2025: 5"));
        assert!(svg.contains("url(#hatch)"));
        assert!(!svg.contains("style"));
        assert!(
            !svg.contains(">9<"),
            "not-counted contacts are no activity-days"
        );
    }

    #[test]
    fn the_qr_code_is_an_svg_with_a_name() {
        let svg = qr_svg("peerlog1:abc", "QR <code>").unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"QR &lt;code&gt;\""));
        assert!(!svg.contains("<?xml"));
        assert!(!svg.contains("style="));
    }
}
