//! --describe [--json]: the kernel's interface (params, buffers, their
//! types, access, bindings, count expressions, self-test sizes), the same
//! text as the C launcher's.

use std::fmt::Write as _;

use crate::data::{self, Ty};
use crate::program::{self, Access, BUFFERS, NAME, PARAMS, PROGRAM, TARGET, WORKGROUP};

fn access(a: Access) -> &'static str {
    match a {
        Access::ReadOnly => "read_only",
        Access::WriteOnly => "write_only",
        Access::ReadWrite => "read_write",
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' | '\\' => {
                o.push('\\');
                o.push(ch);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A value as JSON: a number, or a string where JSON has none (nan, inf).
fn json_value(t: Ty, w: u64) -> String {
    let f = data::raw_value(t, w);
    if t.is_float() && !f.is_finite() {
        let s = if f.is_nan() {
            "nan"
        } else if f > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        return json_str(s);
    }
    data::value_text(t, w)
}

pub fn text(json: bool) -> String {
    let mut p = vec![0u32; program::PARAM_WORDS];
    for (i, q) in PARAMS.iter().enumerate() {
        p[i] = q.selftest as u32;
        p[program::PARAM_HI + i] = (q.selftest >> 32) as u32;
    }
    let c = program::counts(&p);
    let entry = if TARGET == "ptx" { PROGRAM } else { "main" };
    let [wx, wy, wz] = WORKGROUP;
    let mut o = String::new();
    if !json {
        let _ = writeln!(o, "{NAME}: {TARGET} target, entry point {entry}, workgroup_size [{wx}, {wy}, {wz}]");
        let _ = writeln!(o, "params ({}, in declaration order; --param NAME=VALUE):", PARAMS.len());
        for q in PARAMS {
            let _ = writeln!(o, "  {}: {} (self-test {})", q.name, q.ty.name(), data::value_text(q.ty, q.selftest));
        }
        let _ = writeln!(o, "buffers ({}; --in/--out/--print NAME):", BUFFERS.len());
        for (b, n) in BUFFERS.iter().zip(&c) {
            let _ = writeln!(
                o,
                "  {}: {}, {}, binding {}, count {} (self-test {n})",
                b.name,
                b.type_name,
                access(b.access),
                b.binding,
                b.count_text
            );
        }
        return o;
    }
    let params: Vec<String> = PARAMS
        .iter()
        .enumerate()
        .map(|(i, q)| {
            format!(
                "{{\"name\": {}, \"type\": \"{}\", \"index\": {i}, \"selftest\": {}}}",
                json_str(q.name),
                q.ty.name(),
                json_value(q.ty, q.selftest)
            )
        })
        .collect();
    let buffers: Vec<String> = BUFFERS
        .iter()
        .zip(&c)
        .map(|(b, n)| {
            format!(
                "{{\"name\": {}, \"type\": \"{}\", \"access\": \"{}\", \"binding\": {}, \"count\": {}, \"selftest_count\": {n}}}",
                json_str(b.name),
                b.type_name,
                access(b.access),
                b.binding,
                json_str(b.count_text)
            )
        })
        .collect();
    let _ = writeln!(
        o,
        "{{\"schema\": \"vyrec-describe-1\", \"name\": {}, \"target\": \"{TARGET}\", \"entry_point\": {}, \"workgroup_size\": [{wx}, {wy}, {wz}], \
         \"params\": [{}], \"buffers\": [{}]}}",
        json_str(NAME),
        json_str(entry),
        params.join(", "),
        buffers.join(", ")
    );
    o
}
