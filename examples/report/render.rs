//! The report's outputs: the Markdown table, the SVG chart, and the `report.tsv` lines that
//! `scripts/report-spread.sh` reads.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::harness::{Row, Table, MIMALLOC, RUNS};
use crate::memory::{
    pool_member, Memory, FIRST, MEMBERS, NO_TRIM, READINGS, SECOND, SECOND_PEAK_TARGET,
};

/// Ops per second with an SI suffix, 3 or 4 significant digits.
pub fn rate(ops: f64) -> String {
    let (value, unit) = match ops {
        x if x >= 1e9 => (x / 1e9, "G"),
        x if x >= 1e6 => (x / 1e6, "M"),
        x if x >= 1e3 => (x / 1e3, "K"),
        x => (x, ""),
    };
    let digits = if value >= 100.0 {
        1
    } else if value >= 10.0 {
        2
    } else {
        3
    };
    format!("{value:.digits$}{unit}")
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A reuse rate: near 1 after millions of ops, so shown with more digits, and never rounded up
/// to 100% when some slot was fresh.
fn reuse_percent(share: f64) -> String {
    let text = format!("{:.2}%", share * 100.0);
    if share < 1.0 && text == "100.00%" {
        ">99.99%".to_string()
    } else {
        text
    }
}

/// One row of a padded Markdown table: the first column left-aligned, the others right-aligned.
fn table_line(row: &[&str], widths: &[usize]) -> String {
    let parts: Vec<String> = row
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(c, (text, &w))| {
            if c == 0 {
                format!("{text:<w$}")
            } else {
                format!("{text:>w$}")
            }
        })
        .collect();
    format!("| {} |\n", parts.join(" | "))
}

/// A Markdown table of `header` and `cells`, its columns padded to their widest cell so that it
/// reads as well in a terminal: the first column left-aligned, the others right-aligned.
fn padded_table<R: AsRef<[String]>>(header: &[&str], cells: &[R]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            cells
                .iter()
                .map(|row| row.as_ref()[c].len())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = table_line(header, &widths);
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(c, &w)| {
            if c == 0 {
                "-".repeat(w + 2)
            } else {
                format!("{}:", "-".repeat(w + 1))
            }
        })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for row in cells {
        let row: Vec<&str> = row.as_ref().iter().map(String::as_str).collect();
        out += &table_line(&row, &widths);
    }
    out
}

/// A table, in Markdown, its columns padded so that it reads as well in a terminal: each
/// contender's best ops/s, the subject's ratio to each other contender, the rounds' spread of its
/// ratio to mimalloc, and (if the subject keeps statistics) its reuse rate and fragmentation.
pub fn table(rows: &[Row], table: &Table) -> String {
    let subject = table.subject();
    let short = &table.short;
    let mut header: Vec<String> = vec!["scenario".to_string()];
    header.extend(table.names.iter().map(|n| format!("{n} ops/s")));
    header.extend((0..subject).map(|c| format!("{} / {}", short[subject], short[c])));
    header.push(format!(
        "{} / {}, rounds: median [min-max]",
        short[subject], short[MIMALLOC]
    ));
    if table.figures {
        header.extend(["reuse rate".to_string(), "fragmentation".to_string()]);
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = vec![r.name.to_string()];
            cells.extend(r.rates.iter().map(|&v| rate(v)));
            cells.extend((0..subject).map(|c| format!("{:.2}x", r.subject() / r.rates[c])));
            let (lo, mid, hi) = r.ratio_spread(MIMALLOC);
            cells.push(format!("{mid:.2}x [{lo:.2}-{hi:.2}]"));
            if table.figures {
                match r.figures {
                    Some(f) => cells.extend([reuse_percent(f.reuse), percent(f.fragmentation)]),
                    None => cells.extend(["n/a".to_string(), "n/a".to_string()]),
                }
            }
            cells
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    padded_table(&header, &cells)
}

/// `10^d` for an axis label: 1K, 10K, 100K, 1M, ...
fn decade(d: i32) -> String {
    let units = ["", "K", "M", "G", "T"];
    let unit = units[(d / 3).clamp(0, 4) as usize];
    let zeros = d - 3 * (d / 3).clamp(0, 4);
    format!("1{}{unit}", "0".repeat(zeros.max(0) as usize))
}

/// Escapes text for XML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One of the report's ops/s tables as a chart panel (`heading` above it): ops/s of each
/// contender per scenario on a log scale, in a group per scenario. The panel and its height.
fn ops_panel(rows: &[Row], table: &Table, heading: &str, width: f64) -> (String, f64) {
    const LEFT: f64 = 90.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 80.0;
    const PLOT_H: f64 = 340.0;
    const HEIGHT: f64 = 500.0;
    let plot_w = width - LEFT - RIGHT;

    // The axis runs over whole decades around every rate.
    let rates = rows.iter().flat_map(|r| r.rates.iter().copied());
    let lo = rates
        .clone()
        .fold(f64::INFINITY, f64::min)
        .max(1.0)
        .log10()
        .floor();
    let hi = rates.fold(1.0, f64::max).log10().ceil().max(lo + 1.0);
    let y = |v: f64| TOP + PLOT_H * (1.0 - (v.max(1.0).log10() - lo) / (hi - lo));

    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<line x1="20" y1="0.5" x2="{x2}" y2="0.5" stroke="#bbb"/>
<text x="{cx}" y="30" font-size="17" font-weight="bold" text-anchor="middle">{h}</text>"##,
        x2 = width - 20.0,
        cx = width / 2.0,
        h = xml(heading),
    );
    // Grid lines and labels, one per decade.
    for d in lo as i32..=hi as i32 {
        let gy = y(10f64.powi(d));
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{x2}" y2="{gy:.1}" stroke="#ddd"/>
<text x="{tx}" y="{ty:.1}" font-size="12" text-anchor="end">{label}</text>"##,
            x2 = width - RIGHT,
            tx = LEFT - 8.0,
            ty = gy + 4.0,
            label = decade(d),
        );
    }
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{yb}" stroke="black"/>
<line x1="{LEFT}" y1="{yb}" x2="{xr}" y2="{yb}" stroke="black"/>
<text transform="translate(24 {ym}) rotate(-90)" font-size="14" text-anchor="middle">ops/s (one allocation + one free), log scale</text>"#,
        yb = TOP + PLOT_H,
        xr = width - RIGHT,
        ym = TOP + PLOT_H / 2.0,
    );
    // The bars, grouped by scenario, each with its value above it.
    let group_w = plot_w / rows.len().max(1) as f64;
    let bar_w = group_w * 0.8 / table.names.len() as f64;
    let font = if table.names.len() > 3 { 9 } else { 11 };
    for (g, row) in rows.iter().enumerate() {
        let x0 = LEFT + group_w * g as f64 + group_w * 0.1;
        for (k, &v) in row.rates.iter().enumerate() {
            let x = x0 + bar_w * k as f64;
            let top = y(v);
            let _ = writeln!(
                out,
                r#"<rect x="{x:.1}" y="{top:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"><title>{who}: {r} ops/s</title></rect>
<text x="{tx:.1}" y="{ty:.1}" font-size="{font}" text-anchor="middle">{r}</text>"#,
                w = bar_w - 2.0,
                h = TOP + PLOT_H - top,
                c = table.colors[k],
                who = xml(table.names[k]),
                r = rate(v),
                tx = x + (bar_w - 2.0) / 2.0,
                ty = top - 4.0,
            );
        }
        // The scenario's name under its bars, on two lines: "1. fixed-size allocation" and
        // "(64 B)".
        let (first, second) = match row.name.split_once(" (") {
            Some((a, b)) => (a.to_string(), format!("({b}")),
            None => (row.name.to_string(), String::new()),
        };
        let cx = LEFT + group_w * (g as f64 + 0.5);
        let _ = writeln!(
            out,
            r#"<text x="{cx:.1}" y="{y1:.1}" font-size="{label}" text-anchor="middle">{a}</text>
<text x="{cx:.1}" y="{y2:.1}" font-size="{label}" text-anchor="middle">{b}</text>"#,
            label = if rows.len() > 5 { 10 } else { 12 },
            y1 = TOP + PLOT_H + 20.0,
            y2 = TOP + PLOT_H + 36.0,
            a = xml(&first),
            b = xml(&second),
        );
    }
    // The legend, in a row under the heading.
    for (k, who) in table.names.iter().enumerate() {
        let x = LEFT + 180.0 * k as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="46" width="14" height="14" fill="{c}"/>
<text x="{tx}" y="57" font-size="13">{who}</text>"#,
            c = table.colors[k],
            tx = x + 20.0,
            who = xml(who),
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{cx}" y="{fy}" font-size="11" text-anchor="middle" fill="#444">Each bar: the best of {RUNS} runs in one process, same work per contender (examples/report).</text>"##,
        cx = width / 2.0,
        fy = HEIGHT - 14.0,
    );
    (out, HEIGHT)
}

/// The charts, as an SVG document: a panel per ops/s table ([`ops_panel`]: `(rows, table,
/// heading)`), then the memory scenario's panel ([`memory_panel`]).
pub fn svg(tables: &[(&[Row], &Table, &str)], subtitle: &str, memory: &Memory) -> String {
    const WIDTH: f64 = 960.0;
    const HEAD: f64 = 70.0;
    let mut panels = Vec::new();
    let mut height = HEAD;
    for &(rows, table, heading) in tables {
        let (panel, h) = ops_panel(rows, table, heading, WIDTH);
        panels.push((panel, height));
        height += h;
    }
    let (panel, h) = memory_panel(memory, WIDTH);
    panels.push((panel, height));
    height += h;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="{cx}" y="30" font-size="20" font-weight="bold" text-anchor="middle">zokio-pool report: operations per second (log scale, higher is better)</text>
<text x="{cx}" y="54" font-size="12" text-anchor="middle" fill="#444">{sub}</text>"##,
        cx = WIDTH / 2.0,
        sub = xml(subtitle),
    );
    for (panel, at) in panels {
        let _ = writeln!(out, "<g transform=\"translate(0 {at})\">\n{panel}</g>");
    }
    out.push_str("</svg>\n");
    out
}

/// A count with thousands separators: 1,000,000.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in MiB, one decimal.
fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 20) as f64)
}

/// How the report names the byte allocators' table (a heading in `report.md`).
pub const BYTES_HEADING: &str = "The byte allocator: PoolAlloc against general allocators";

/// How the report names the memory scenario (a heading in `report.md`).
pub const MEMORY_HEADING: &str = "Memory: burst and trim";

/// The memory scenario's part of the report: its table (RSS in MiB per contender and reading),
/// what each trim call was, and whether the pool's second peak met its target.
pub fn memory_section(memory: &Memory) -> String {
    let readings = match memory {
        Ok(readings) => readings,
        Err(why) => return format!("Not measured: {why}.\n"),
    };
    let mut header = vec!["RSS, MiB"];
    header.extend(READINGS);
    let cells: Vec<Vec<String>> = MEMBERS
        .iter()
        .zip(readings)
        .map(|(m, r)| {
            let mut row = vec![m.name.to_string()];
            match r {
                Ok(bytes) => row.extend(bytes.iter().map(|&b| mib(b))),
                Err(_) => row.extend(READINGS.iter().map(|_| "failed".to_string())),
            }
            row
        })
        .collect();
    let mut out = padded_table(&header, &cells);
    let trims: Vec<String> = MEMBERS
        .iter()
        .map(|m| {
            if m.trim == NO_TRIM {
                format!("{}: none", m.name)
            } else {
                format!("{} `{}`", m.name, m.trim)
            }
        })
        .collect();
    let _ = write!(
        out,
        "\nResident memory (RSS, /proc/self/statm) of a fresh process per contender: before, with \
         {} live 64 B objects, after dropping them, after the contender's trim, then with {} \
         live 128 B objects; every reading includes the handles' slots, made first (see \
         examples/report/memory.rs). Trim calls: {}.\n",
        thousands(FIRST),
        thousands(SECOND),
        trims.join(", ")
    );
    if let Ok(pool) = &readings[pool_member()] {
        let share = pool[4] as f64 / pool[1] as f64;
        let _ = writeln!(
            out,
            "\nzokio-pool's second-burst peak is {:.0}% of its first peak (target: at most {:.0}%): {}.",
            share * 100.0,
            SECOND_PEAK_TARGET * 100.0,
            if share <= SECOND_PEAK_TARGET {
                "met"
            } else {
                "NOT met"
            }
        );
    }
    for (m, r) in MEMBERS.iter().zip(readings) {
        if let Err(why) = r {
            let _ = writeln!(out, "\n{}: not measured: {why}", m.name);
        }
    }
    out
}

/// The memory scenario's chart, to go under the ops/s chart, and its height: RSS in MiB (linear
/// scale from 0), one group of bars per contender, one bar per reading.
fn memory_panel(memory: &Memory, width: f64) -> (String, f64) {
    const LEFT: f64 = 90.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 100.0;
    const PLOT_H: f64 = 220.0;
    const HEIGHT: f64 = 400.0;
    const COLORS: [&str; 5] = ["#9d9d9d", "#f58518", "#eeca3b", "#54a24b", "#b279a2"];
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<line x1="20" y1="0.5" x2="{x2}" y2="0.5" stroke="#bbb"/>
<text x="{cx}" y="34" font-size="18" font-weight="bold" text-anchor="middle">Memory: burst and trim, resident memory in MiB (lower is better)</text>"##,
        x2 = width - 20.0,
        cx = width / 2.0,
    );
    let readings = match memory {
        Ok(readings) => readings,
        Err(why) => {
            let _ = writeln!(
                out,
                r##"<text x="{cx}" y="64" font-size="13" text-anchor="middle" fill="#444">Not measured: {w}.</text>"##,
                cx = width / 2.0,
                w = xml(why),
            );
            return (out, 90.0);
        }
    };
    // The axis: from 0 to a whole number of steps of 1, 2 or 5 times a power of ten MiB.
    let top_mib = readings
        .iter()
        .flatten()
        .flatten()
        .map(|&b| b as f64 / (1u64 << 20) as f64)
        .fold(1.0, f64::max);
    let raw_step = top_mib / 5.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    let axis_max = (top_mib / step).ceil() * step;
    let plot_w = width - LEFT - RIGHT;
    let y = |mib: f64| TOP + PLOT_H * (1.0 - mib / axis_max);
    let ticks = (axis_max / step).round() as u32;
    for t in 0..=ticks {
        let v = step * f64::from(t);
        let gy = y(v);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{x2}" y2="{gy:.1}" stroke="#ddd"/>
<text x="{tx}" y="{ty:.1}" font-size="12" text-anchor="end">{v}</text>"##,
            x2 = width - RIGHT,
            tx = LEFT - 8.0,
            ty = gy + 4.0,
        );
    }
    let _ = writeln!(
        out,
        r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{yb}" stroke="black"/>
<line x1="{LEFT}" y1="{yb}" x2="{xr}" y2="{yb}" stroke="black"/>
<text transform="translate(24 {ym}) rotate(-90)" font-size="14" text-anchor="middle">RSS, MiB</text>"#,
        yb = TOP + PLOT_H,
        xr = width - RIGHT,
        ym = TOP + PLOT_H / 2.0,
    );
    // The bars, grouped by contender, each with its value above it.
    let group_w = plot_w / MEMBERS.len() as f64;
    let bar_w = group_w * 0.8 / READINGS.len() as f64;
    for (g, (who, r)) in MEMBERS.iter().map(|m| m.name).zip(readings).enumerate() {
        let x0 = LEFT + group_w * g as f64 + group_w * 0.1;
        let cx = LEFT + group_w * (g as f64 + 0.5);
        match r {
            Ok(bytes) => {
                for (k, &b) in bytes.iter().enumerate() {
                    let x = x0 + bar_w * k as f64;
                    let top = y(b as f64 / (1u64 << 20) as f64);
                    let _ = writeln!(
                        out,
                        r#"<rect x="{x:.1}" y="{top:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"><title>{who}, {what}: {m} MiB</title></rect>
<text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="middle">{m}</text>"#,
                        w = bar_w - 2.0,
                        h = TOP + PLOT_H - top,
                        c = COLORS[k],
                        what = READINGS[k],
                        m = mib(b),
                        tx = x + (bar_w - 2.0) / 2.0,
                        ty = top - 4.0,
                    );
                }
            }
            Err(_) => {
                let _ = writeln!(
                    out,
                    r##"<text x="{cx:.1}" y="{ty:.1}" font-size="12" text-anchor="middle" fill="#444">not measured</text>"##,
                    ty = TOP + PLOT_H - 8.0,
                );
            }
        }
        let _ = writeln!(
            out,
            r#"<text x="{cx:.1}" y="{ly:.1}" font-size="13" text-anchor="middle">{w}</text>"#,
            ly = TOP + PLOT_H + 20.0,
            w = xml(who),
        );
    }
    // The legend, the readings in order, in a row under the title.
    for (k, what) in READINGS.iter().enumerate() {
        let x = LEFT + 160.0 * k as f64;
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="56" width="14" height="14" fill="{c}"/>
<text x="{tx}" y="67" font-size="13">{what}</text>"#,
            c = COLORS[k],
            tx = x + 20.0,
        );
    }
    let trims: Vec<String> = MEMBERS
        .iter()
        .map(|m| format!("{}: {}", m.name, m.trim))
        .collect();
    let _ = writeln!(
        out,
        r##"<text x="{cx}" y="{fy}" font-size="11" text-anchor="middle" fill="#444">A fresh process per contender; peak: {first} live 64 B objects; second burst, after the trim: {second} of 128 B.</text>
<text x="{cx}" y="{fy2}" font-size="11" text-anchor="middle" fill="#444">Trim calls: {t}.</text>"##,
        cx = width / 2.0,
        fy = HEIGHT - 30.0,
        fy2 = HEIGHT - 12.0,
        first = thousands(FIRST),
        second = thousands(SECOND),
        t = xml(&trims.join("; ")),
    );
    (out, HEIGHT)
}

/// Where the files go: `$CARGO_TARGET_DIR/zokio-report`, or `target/zokio-report` in the
/// workspace (this example's package is the workspace root).
pub fn report_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("zokio-report")
}

/// `report.md`: the title, the machine, the table, its notes, the chart, the byte allocators'
/// section (its table and notes) and the memory scenario's section ([`memory_section`]).
pub fn markdown(
    title: &str,
    machine: &[(&str, String)],
    table: &str,
    notes: &str,
    unsteady: &str,
    bytes: &str,
    memory: &str,
) -> String {
    let mut md = format!("# {title}\n\n");
    for (key, value) in machine {
        let _ = writeln!(md, "- {key}: {value}");
    }
    let _ = write!(
        md,
        "\n{table}\n{notes}\n\n{unsteady}\n![ops/s per scenario and contender, log scale](report.svg)\n"
    );
    let _ = write!(
        md,
        "\n## {BYTES_HEADING}\n\n{bytes}\nIts chart is the second panel of report.svg.\n"
    );
    let _ = write!(
        md,
        "\n## {MEMORY_HEADING}\n\n{memory}\nIts chart is the third panel of report.svg.\n"
    );
    md
}

/// `report.tsv`, for `scripts/report-spread.sh`: one line per row and ratio (the subject's to
/// each other contender), the best-run ratio, then the rounds' ratios. `prefix` goes before
/// each row's name (the byte table's rows have the typed table's names).
pub fn tsv(rows: &[Row], table: &Table, prefix: &str) -> String {
    let mut tsv = String::new();
    for row in rows {
        for c in 0..table.subject() {
            let best = row.subject() / row.rates[c];
            let rounds: Vec<String> = row
                .round_ratios(c)
                .iter()
                .map(|r| format!("{r:.4}"))
                .collect();
            let _ = writeln!(
                tsv,
                "{prefix}{}\t{}\t{best:.4}\t{}",
                row.name,
                table.short[c],
                rounds.join("\t")
            );
        }
    }
    tsv
}
