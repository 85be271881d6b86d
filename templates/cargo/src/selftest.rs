//! The self-test: the inputs vyrec seeded at generation time (random:SEED
//! per readable buffer, zeros for write-only ones), and the comparison of
//! every writable buffer with the reference backend's output embedded in
//! program.rs: integers exactly, f32 within the tolerance (ulp or abs;
//! NaN matches NaN, values below the smallest normal match each other
//! since a Vulkan device may flush denormals).

use crate::data::{self, Ty};
use crate::program::{BUFFERS, TOL_ABS, TOL_ULP};

/// The self-test's input contents, per buffer, for counts c.
pub fn inputs(c: &[u32]) -> Vec<Vec<u32>> {
    BUFFERS
        .iter()
        .zip(c)
        .map(|(b, &n)| {
            if !b.input.is_empty() {
                b.input.to_vec()
            } else if b.readable() {
                data::seeded(b.seed, b.ty, n)
            } else {
                vec![0; n as usize]
            }
        })
        .collect()
}

fn ordered(w: u32) -> i64 {
    let mag = (w & 0x7FFF_FFFF) as i64;
    if w >> 31 != 0 {
        -mag
    } else {
        mag
    }
}

/// How far got is from exp, and whether that is within the tolerance.
fn distance(t: Ty, got: u32, exp: u32) -> (u64, bool) {
    match t {
        Ty::U32 => ((got as i64 - exp as i64).unsigned_abs(), got == exp),
        Ty::I32 => ((got as i32 as i64 - exp as i32 as i64).unsigned_abs(), got == exp),
        Ty::F32 => {
            let (g, e) = (f32::from_bits(got), f32::from_bits(exp));
            if got == exp || (g.is_nan() && e.is_nan()) {
                return (0, true);
            }
            if g.abs() < f32::MIN_POSITIVE && e.abs() < f32::MIN_POSITIVE {
                return (0, true);
            }
            if g.is_nan() || e.is_nan() {
                return (u64::MAX, false);
            }
            let ulp = (ordered(got) - ordered(exp)).unsigned_abs();
            let ok = ulp as f64 <= TOL_ULP || ((g as f64) - (e as f64)).abs() <= TOL_ABS;
            (ulp, ok)
        }
    }
}

struct Worst {
    buf: usize,
    index: usize,
    got: u32,
    exp: u32,
    dist: u64,
}

/// Compare the outputs with the expected ones; print the verdict; true
/// when every element matches.
pub fn check(bufs: &[Vec<u32>], device: &str) -> bool {
    let (mut worst, mut bad, mut total, mut nbuf, mut max_ulp) = (None::<Worst>, 0u64, 0u64, 0, 0u64);
    for (bi, b) in BUFFERS.iter().enumerate().filter(|(_, b)| b.writable()) {
        nbuf += 1;
        let got = &bufs[bi];
        total += got.len() as u64;
        if got.len() != b.expected.len() {
            println!(
                "selftest: FAIL buffer {} has {} elements but the self-test expects {}",
                b.name,
                got.len(),
                b.expected.len()
            );
            return false;
        }
        for (i, (&g, &e)) in got.iter().zip(b.expected).enumerate() {
            let (dist, ok) = distance(b.ty, g, e);
            if ok {
                if b.ty == Ty::F32 && dist > max_ulp {
                    max_ulp = dist;
                }
                continue;
            }
            bad += 1;
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
        Ty::F32 if w.dist == u64::MAX => " (NaN)".to_string(),
        Ty::F32 => format!(" ({} ulp > {}, abs tolerance {})", w.dist, TOL_ULP, TOL_ABS),
        _ => String::new(),
    };
    println!(
        "selftest: FAIL on {device}: worst element {}[{}]: got {} expected {}{how}; {bad} of {total} elements differ",
        b.name,
        w.index,
        data::value_text(b.ty, w.got),
        data::value_text(b.ty, w.exp)
    );
    false
}
