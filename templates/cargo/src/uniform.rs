//! The helpers that launch-time expressions (buffer counts, dispatch) call,
//! as vyrec prints them into program.rs. Every value is a u32 holding the
//! bits of a u32, i32, f32 or bool (0/1), and every helper agrees with
//! vyrec's reference VM (doc/SEMANTICS.md): x/0 = 0xFFFFFFFF, x%0 = x,
//! INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0, f32 -> int truncates and
//! saturates (NaN -> 0), min/max of a NaN take the other operand.
#![allow(dead_code)]

fn f(x: u32) -> f32 {
    f32::from_bits(x)
}

pub fn vy_div_u(a: u32, b: u32) -> u32 {
    if b == 0 {
        u32::MAX
    } else {
        a / b
    }
}

pub fn vy_div_i(a: u32, b: u32) -> u32 {
    if b == 0 {
        u32::MAX
    } else {
        (a as i32).wrapping_div(b as i32) as u32
    }
}

pub fn vy_rem_u(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        a % b
    }
}

pub fn vy_rem_i(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        (a as i32).wrapping_rem(b as i32) as u32
    }
}

pub fn vy_min_u(a: u32, b: u32) -> u32 {
    a.min(b)
}

pub fn vy_max_u(a: u32, b: u32) -> u32 {
    a.max(b)
}

pub fn vy_min_i(a: u32, b: u32) -> u32 {
    (a as i32).min(b as i32) as u32
}

pub fn vy_max_i(a: u32, b: u32) -> u32 {
    (a as i32).max(b as i32) as u32
}

pub fn vy_clamp_u(x: u32, lo: u32, hi: u32) -> u32 {
    vy_min_u(vy_max_u(x, lo), hi)
}

pub fn vy_clamp_i(x: u32, lo: u32, hi: u32) -> u32 {
    vy_min_i(vy_max_i(x, lo), hi)
}

/// Rust's float-to-int `as` truncates, saturates and maps NaN to 0.
pub fn vy_f2u(a: u32) -> u32 {
    f(a) as u32
}

pub fn vy_f2i(a: u32) -> u32 {
    f(a) as i32 as u32
}

pub fn vy_u2f(a: u32) -> u32 {
    (a as f32).to_bits()
}

pub fn vy_i2f(a: u32) -> u32 {
    (a as i32 as f32).to_bits()
}

pub fn vy_fadd(a: u32, b: u32) -> u32 {
    (f(a) + f(b)).to_bits()
}

pub fn vy_fsub(a: u32, b: u32) -> u32 {
    (f(a) - f(b)).to_bits()
}

pub fn vy_fmul(a: u32, b: u32) -> u32 {
    (f(a) * f(b)).to_bits()
}

pub fn vy_fdiv(a: u32, b: u32) -> u32 {
    (f(a) / f(b)).to_bits()
}

pub fn vy_fneg(a: u32) -> u32 {
    a ^ 0x8000_0000
}

/// minNum/maxNum as the reference VM computes them: a NaN operand yields
/// the other one; of +0 and -0, min gives -0 and max +0 (f32::min may
/// return either zero).
pub fn vy_fmin(a: u32, b: u32) -> u32 {
    let (x, y) = (f(a), f(b));
    if x.is_nan() || y.is_nan() {
        return if x.is_nan() { b } else { a };
    }
    if x < y || (x == y && x.is_sign_negative()) {
        a
    } else {
        b
    }
}

pub fn vy_fmax(a: u32, b: u32) -> u32 {
    let (x, y) = (f(a), f(b));
    if x.is_nan() || y.is_nan() {
        return if x.is_nan() { b } else { a };
    }
    if x > y || (x == y && x.is_sign_positive()) {
        a
    } else {
        b
    }
}

pub fn vy_feq(a: u32, b: u32) -> u32 {
    (f(a) == f(b)) as u32
}

pub fn vy_fne(a: u32, b: u32) -> u32 {
    (f(a) != f(b)) as u32
}

pub fn vy_flt(a: u32, b: u32) -> u32 {
    (f(a) < f(b)) as u32
}

pub fn vy_fle(a: u32, b: u32) -> u32 {
    (f(a) <= f(b)) as u32
}

pub fn vy_fgt(a: u32, b: u32) -> u32 {
    (f(a) > f(b)) as u32
}

pub fn vy_fge(a: u32, b: u32) -> u32 {
    (f(a) >= f(b)) as u32
}
