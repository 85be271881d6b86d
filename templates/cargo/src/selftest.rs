//! The self-test: the inputs vyrec seeded at generation time (random:SEED
//! per readable buffer, zeros for write-only ones), and the comparison of
//! every writable buffer with the reference backend's output embedded in
//! program.rs, component by component as `vyrec verify` judges (its
//! src/check.c): integers and u8 ... i16 exactly; f32 and f64 within the
//! tolerance in their own ulps (or abs), NaN matching NaN, values below
//! the smallest normal matching each other since a Vulkan device may flush
//! denormals; bf16 and f16 exactly or 1 ulp of their own off where the
//! tolerance is not 0, NaN matching NaN.

use crate::data::{self, Ty};
use crate::program::{BUFFERS, TOL_ABS, TOL_ULP};

/// The self-test's input contents (host bytes), per buffer, for counts c.
pub fn inputs(c: &[u32]) -> Vec<Vec<u8>> {
    BUFFERS
        .iter()
        .zip(c)
        .map(|(b, &n)| {
            let comps = n as usize * b.lanes as usize;
            if !b.input.is_empty() {
                b.input.to_vec()
            } else if b.readable() {
                data::seeded(b.seed, b.ty, comps)
            } else {
                vec![0; comps * b.ty.size()]
            }
        })
        .collect()
}

/// Sign-magnitude bits (the sign at bit `top`) as an ordered integer.
fn ordered(w: u64, top: u32) -> i128 {
    let mag = (w & ((1u64 << top) - 1)) as i128;
    if w >> top & 1 != 0 {
        -mag
    } else {
        mag
    }
}

/// How far got is from exp (in ulps; u64::MAX for a NaN against a number),
/// and whether that is within the tolerance.
fn distance(t: Ty, got: u64, exp: u64) -> (u64, bool) {
    if got == exp {
        return (0, true);
    }
    match t {
        Ty::F32 | Ty::F64 => {
            let (g, e) = (data::raw_value(t, got), data::raw_value(t, exp));
            let tiny = if t == Ty::F32 { f32::MIN_POSITIVE as f64 } else { f64::MIN_POSITIVE };
            if (g.is_nan() && e.is_nan()) || (g.abs() < tiny && e.abs() < tiny) {
                return (0, true);
            }
            if g.is_nan() || e.is_nan() {
                return (u64::MAX, false);
            }
            let top = if t == Ty::F32 { 31 } else { 63 };
            let ulp = (ordered(got, top) - ordered(exp, top)).unsigned_abs() as u64;
            (ulp, ulp as f64 <= TOL_ULP || (g - e).abs() <= TOL_ABS)
        }
        Ty::BF16 | Ty::F16 => {
            let inf = if t == Ty::BF16 { 0x7f80 } else { 0x7c00 };
            let (na, nb) = (got & 0x7fff > inf, exp & 0x7fff > inf);
            if na && nb {
                return (0, true);
            }
            if na || nb {
                return (u64::MAX, false);
            }
            let ulp = (ordered(got, 15) - ordered(exp, 15)).unsigned_abs() as u64;
            (ulp, TOL_ULP > 0.0 && ulp <= 1)
        }
        _ => {
            let (g, e) = (data::raw_value(t, got), data::raw_value(t, exp));
            ((g - e).abs().min(u64::MAX as f64) as u64, false)
        }
    }
}

struct Worst {
    buf: usize,
    index: usize,
    got: u64,
    exp: u64,
    dist: u64,
}

/// Compare the outputs (host bytes) with the expected ones; print the
/// verdict; true when every component matches.
pub fn check(bufs: &[Vec<u8>], device: &str) -> bool {
    let (mut worst, mut bad, mut total, mut nbuf, mut max_ulp) = (None::<Worst>, 0u64, 0u64, 0, 0u64);
    let mut last_bad: Option<(usize, usize)> = None;
    for (bi, b) in BUFFERS.iter().enumerate().filter(|(_, b)| b.writable()) {
        nbuf += 1;
        let got = &bufs[bi];
        let (es, lanes) = (b.ty.size(), b.lanes as usize);
        let n = got.len() / es;
        total += (n / lanes) as u64;
        if got.len() != b.expected.len() {
            println!(
                "selftest: FAIL buffer {} has {} elements but the self-test expects {}",
                b.name,
                got.len() / b.size as usize,
                b.expected.len() / b.size as usize
            );
            return false;
        }
        for i in 0..n {
            let (g, e) = (data::get(b.ty, got, i), data::get(b.ty, b.expected, i));
            let (dist, ok) = distance(b.ty, g, e);
            if ok {
                if b.ty.is_float() && dist > max_ulp {
                    max_ulp = dist;
                }
                continue;
            }
            if last_bad != Some((bi, i / lanes)) {
                bad += 1; // elements (vectors), not components
                last_bad = Some((bi, i / lanes));
            }
            if worst.as_ref().map_or(true, |w| dist > w.dist) {
                worst = Some(Worst { buf: bi, index: i, got: g, exp: e, dist });
            }
        }
    }
    let w = match worst {
        Some(w) => w,
        _ => {
            println!(
                "selftest: PASS on {device}: {nbuf} buffer{}, {total} elements, max error {max_ulp} ulp",
                if nbuf == 1 { "" } else { "s" }
            );
            return true;
        }
    };
    let b = &BUFFERS[w.buf];
    let how = match b.ty {
        _ if b.ty.is_float() && w.dist == u64::MAX => " (NaN)".to_string(),
        Ty::F32 | Ty::F64 => format!(" ({} ulp > {}, abs tolerance {})", w.dist, TOL_ULP, TOL_ABS),
        Ty::BF16 | Ty::F16 => format!(" ({} {} ulp)", w.dist, b.ty.name()),
        _ => String::new(),
    };
    let lanes = b.lanes as usize;
    let at = if lanes > 1 {
        format!("{}].{}", w.index / lanes, ['x', 'y', 'z', 'w'][w.index % lanes])
    } else {
        format!("{}]", w.index)
    };
    println!(
        "selftest: FAIL on {device}: worst element {}[{at}: got {} expected {}{how}; {bad} of {total} elements differ",
        b.name,
        data::value_text(b.ty, w.got),
        data::value_text(b.ty, w.exp)
    );
    false
}
