//! Buffer contents from files and generators, and back (vyrec SPEC §7,
//! §10.10).
//!
//! A SOURCE is a generator (`zeros`, `iota`, `const:V`,
//! `random:SEED[:LO:HI]`) or a file: `.npy` (format 1.0, 2.0 or 3.0,
//! little-endian, C order, the buffer's dtype: `<u4 <i4 <f4 |u1 |i1 <u2
//! <i2 <f2 <f8 <u8 <i8`, bf16 as `<u2` bits) or, for any other extension,
//! raw little-endian elements. A buffer is held as its little-endian bytes
//! (host layout: an x3 vector 12 bytes), a vector buffer seen as its
//! components, flat. `random` is SplitMix64 with state = SEED, one draw
//! per component; f32 values are computed in f64 and rounded once, then
//! narrowed once (bf16, f16 to nearest even; u8 ... i16 their low bits),
//! exactly as vyrec does.

use std::collections::hash_map::RandomState;
use std::ffi::CString;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Seek, Write};
use std::os::raw::{c_char, c_int};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, Ordering};

/// The scalar types of buffer components and params (vyrec's type table);
/// a program may not use them all.
#[allow(dead_code, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    U32,
    I32,
    F32,
    U8,
    I8,
    U16,
    I16,
    BF16,
    F16,
    F64,
    U64,
    I64,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::U32 => "u32",
            Ty::I32 => "i32",
            Ty::F32 => "f32",
            Ty::U8 => "u8",
            Ty::I8 => "i8",
            Ty::U16 => "u16",
            Ty::I16 => "i16",
            Ty::BF16 => "bf16",
            Ty::F16 => "f16",
            Ty::F64 => "f64",
            Ty::U64 => "u64",
            Ty::I64 => "i64",
        }
    }

    fn descr(self) -> &'static str {
        match self {
            Ty::U32 => "<u4",
            Ty::I32 => "<i4",
            Ty::F32 => "<f4",
            Ty::U8 => "|u1",
            Ty::I8 => "|i1",
            Ty::U16 | Ty::BF16 => "<u2",
            Ty::I16 => "<i2",
            Ty::F16 => "<f2",
            Ty::F64 => "<f8",
            Ty::U64 => "<u8",
            Ty::I64 => "<i8",
        }
    }

    /// Bytes of one component.
    pub fn size(self) -> usize {
        match self {
            Ty::U8 | Ty::I8 => 1,
            Ty::U16 | Ty::I16 | Ty::BF16 | Ty::F16 => 2,
            Ty::U32 | Ty::I32 | Ty::F32 => 4,
            Ty::F64 | Ty::U64 | Ty::I64 => 8,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Ty::F32 | Ty::F64 | Ty::BF16 | Ty::F16)
    }

    pub fn is_signed(self) -> bool {
        matches!(self, Ty::I8 | Ty::I16 | Ty::I32 | Ty::I64)
    }

    /// The type a type of 4 bytes or fewer computes in: u32, i32 or f32.
    fn value_ty(self) -> Ty {
        if self.is_float() {
            Ty::F32
        } else if self.is_signed() {
            Ty::I32
        } else {
            Ty::U32
        }
    }
}

/// Component i of little-endian data of type t, as its bits.
pub fn get(t: Ty, data: &[u8], i: usize) -> u64 {
    let es = t.size();
    let mut b = [0u8; 8];
    b[..es].copy_from_slice(&data[i * es..(i + 1) * es]);
    u64::from_le_bytes(b)
}

pub fn put(t: Ty, data: &mut [u8], i: usize, v: u64) {
    let es = t.size();
    data[i * es..(i + 1) * es].copy_from_slice(&v.to_le_bytes()[..es]);
}

/// f32 bits to bf16 bits, nearest even; a NaN stays a NaN, made quiet.
pub fn bf16_of_f32(x: u32) -> u32 {
    if x & 0x7fff_ffff > 0x7f80_0000 {
        return (x >> 16 | 0x40) & 0xffff;
    }
    (x.wrapping_add(0x7fff + (x >> 16 & 1))) >> 16
}

/// A double rounded once to bf16 (to odd into f32, then nearest even).
fn bf16_of_f64(d: f64) -> u32 {
    let f = d as f32;
    let mut u = f.to_bits();
    if d.is_finite() && f as f64 != d {
        if (f as f64).abs() > d.abs() {
            u -= 1; // toward zero: the magnitude one ulp less
        }
        u |= 1;
    }
    bf16_of_f32(u)
}

/// A double rounded once to binary16, nearest even (vyrec's
/// vy_f16_of_double); NaN is 0x7fff.
pub fn f16_of_f64(d: f64) -> u16 {
    let sg: u16 = if d.is_sign_negative() { 0x8000 } else { 0 };
    let a = d.abs();
    if d.is_nan() {
        return 0x7fff;
    }
    if a >= 65520.0 {
        return sg | 0x7c00;
    }
    if a <= 2.980_232_238_769_531_2e-8 {
        return sg; // at most 2^-25: half the smallest subnormal, a tie to 0
    }
    let b = a.to_bits();
    let e = (b >> 52) as i32 - 1023; // a = m * 2^(e - 52)
    let m = (b & ((1u64 << 52) - 1)) | 1u64 << 52;
    let k = e.max(-14) - 10; // the f16 ulp's exponent
    let s = (k - e + 52) as u32; // 42 ..= 63
    let (mut q, rem, half) = (m >> s, m & ((1u64 << s) - 1), 1u64 << (s - 1));
    if rem > half || (rem == half && q & 1 == 1) {
        q += 1;
    }
    if e < -14 {
        sg | q as u16
    } else {
        sg | ((((e + 15) as u64) << 10) + q - 1024) as u16
    }
}

/// binary16 bits as an f32 (exact).
pub fn f32_of_f16(h: u16) -> f32 {
    let sg = ((h & 0x8000) as u32) << 16;
    let x = (h & 0x7fff) as u32;
    if x >= 0x7c00 {
        return f32::from_bits(sg | 0x7f80_0000 | (x & 0x3ff) << 13);
    }
    if x >= 0x400 {
        return f32::from_bits(sg | ((x << 13) + 0x3800_0000));
    }
    f32::from_bits(sg | (x as f32 * 5.960_464_5e-8).to_bits())
}

/// The value of bits v of type t.
pub fn raw_value(t: Ty, v: u64) -> f64 {
    let w = v as u32;
    match t {
        Ty::F32 => f32::from_bits(w) as f64,
        Ty::BF16 => f32::from_bits(w << 16) as f64,
        Ty::F16 => f32_of_f16(v as u16) as f64,
        Ty::F64 => f64::from_bits(v),
        Ty::I8 => v as u8 as i8 as f64,
        Ty::I16 => v as u16 as i16 as f64,
        Ty::I32 => w as i32 as f64,
        Ty::I64 => v as i64 as f64,
        _ => v as f64,
    }
}

const GENERATORS: &str = "zeros, iota, const:V, random:SEED[:LO:HI]";

pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Decimal or 0x hex digits, unsigned.
fn parse_unsigned(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        return u64::from_str_radix(h, 16).ok();
    }
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok()
}

/// The bits of a value of type t written as text: integers decimal or 0x
/// hex (signed ones after an optional sign) in the type's range, f32 and
/// f64 rounded once, bf16 and f16 rounded from the decimal value, `inf`
/// or `nan`.
pub fn parse_value(s: &str, t: Ty) -> Option<u64> {
    if t.is_float() {
        // f32 rounded once (not through f64), as vyrec's src/value.c strtof
        return match t {
            Ty::F32 => s.parse::<f32>().ok().map(|f| f.to_bits() as u64),
            Ty::F64 => s.parse::<f64>().ok().map(f64::to_bits),
            Ty::BF16 => s.parse::<f64>().ok().map(|d| bf16_of_f64(d) as u64),
            _ => s.parse::<f64>().ok().map(|d| f16_of_f64(d) as u64),
        };
    }
    let nb = 8 * t.size() as u32;
    let mask = if nb == 64 { u64::MAX } else { (1u64 << nb) - 1 };
    let (neg, digits) = match (t.is_signed(), s.strip_prefix('-')) {
        (true, Some(r)) => (true, r),
        (true, None) => (false, s.strip_prefix('+').unwrap_or(s)),
        _ => (false, s),
    };
    let v = parse_unsigned(digits)?;
    let max = if !t.is_signed() {
        mask
    } else if neg {
        mask / 2 + 1
    } else {
        mask / 2
    };
    if v > max {
        return None;
    }
    Some(if neg { 0u64.wrapping_sub(v) } else { v } & mask)
}

/// u32/i32/f32 bits as a component of t (bf16, f16 rounded, narrow ones cut).
fn narrow(t: Ty, bits: u32) -> u64 {
    match t {
        Ty::BF16 => bf16_of_f32(bits) as u64,
        Ty::F16 => f16_of_f64(f32::from_bits(bits) as f64) as u64,
        Ty::U8 | Ty::I8 => (bits & 0xff) as u64,
        Ty::U16 | Ty::I16 => (bits & 0xffff) as u64,
        _ => bits as u64,
    }
}

/// A zeroed buffer of n components of t.
fn zeros(t: Ty, n: usize) -> Vec<u8> {
    vec![0; n * t.size()]
}

fn fill_iota(t: Ty, n: usize) -> Vec<u8> {
    let mut w = zeros(t, n);
    for i in 0..n {
        let v = match t {
            Ty::F32 => (i as f32).to_bits() as u64,
            Ty::F64 => (i as f64).to_bits(),
            Ty::BF16 => bf16_of_f64(i as f64) as u64,
            Ty::F16 => f16_of_f64(i as f64) as u64,
            Ty::U64 | Ty::I64 => i as u64,
            _ => narrow(t, i as u32),
        };
        put(t, &mut w, i, v);
    }
    w
}

/// random:SEED[:LO:HI]; arg is the text after "random:"; n components.
pub fn fill_random(arg: &str, t: Ty, n: usize) -> Result<Vec<u8>, String> {
    let parts: Vec<&str> = arg.split(':').collect();
    let seed = if parts.len() == 1 || parts.len() == 3 { parse_unsigned(parts[0]) } else { None };
    let seed = seed.ok_or_else(|| {
        format!(
            "'random:{arg}' is not of the form random:SEED or random:SEED:LO:HI\n\
             Fix: give a non-negative integer seed, e.g. random:42 or random:42:0:100"
        )
    })?;
    let mut w = zeros(t, n);
    let mut state = seed;
    if t.size() == 8 {
        let (mut dlo, mut dhi) = (-1.0f64, 1.0f64);
        let (mut lo, mut hi) = if t == Ty::I64 { ((-32768i64) as u64, 32768u64) } else { (0u64, 65536u64) };
        if parts.len() == 3 {
            let ok = match (parse_value(parts[1], t), parse_value(parts[2], t)) {
                (Some(lb), Some(hb)) if t == Ty::F64 => {
                    dlo = f64::from_bits(lb);
                    dhi = f64::from_bits(hb);
                    dlo < dhi && dlo.is_finite() && dhi.is_finite()
                }
                (Some(lb), Some(hb)) => {
                    lo = lb;
                    hi = hb;
                    if t == Ty::I64 {
                        (lb as i64) < hb as i64
                    } else {
                        lb < hb
                    }
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "'random:{arg}': bounds '{}' and '{}' are not both {} values with LO less than HI \
                     (the range is [LO, HI))\nFix: write both bounds as values of the buffer's type, LO less than HI",
                    parts[1],
                    parts[2],
                    t.name()
                ));
            }
        }
        for i in 0..n {
            let z = splitmix64(&mut state);
            let v = if t == Ty::F64 {
                (dlo + (dhi - dlo) * ((z >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0))).to_bits()
            } else {
                lo.wrapping_add(z % hi.wrapping_sub(lo))
            };
            put(t, &mut w, i, v);
        }
        return Ok(w);
    }
    let vt = t.value_ty();
    let (mut lo, mut hi) = match (t, vt) {
        (Ty::U8, _) => (0.0, 256.0),
        (Ty::I8, _) => (-128.0, 128.0),
        (_, Ty::F32) => (-1.0, 1.0),
        (_, Ty::I32) => (-32768.0, 32768.0),
        _ => (0.0, 65536.0),
    };
    if parts.len() == 3 {
        let (lb, hb) = match (parse_value(parts[1], vt), parse_value(parts[2], vt)) {
            (Some(lb), Some(hb)) => (lb, hb),
            _ => {
                return Err(format!(
                    "'random:{arg}': bounds '{}' and '{}' are not both {} values",
                    parts[1],
                    parts[2],
                    vt.name()
                ));
            }
        };
        lo = raw_value(vt, lb);
        hi = raw_value(vt, hb);
        if !(lo < hi) || !lo.is_finite() || !hi.is_finite() {
            return Err(format!(
                "'random:{arg}': LO must be less than HI (the range is [LO, HI))\n\
                 Fix: swap or widen the bounds"
            ));
        }
    }
    for i in 0..n {
        let z = splitmix64(&mut state);
        let bits = if vt == Ty::F32 {
            let u = (z >> 40) as f64 * (1.0 / 16_777_216.0);
            ((lo + (hi - lo) * u) as f32).to_bits()
        } else {
            let span = (hi as i64 - lo as i64) as u64;
            (lo as i64 + ((z >> 32) % span) as i64) as u32
        };
        put(t, &mut w, i, narrow(t, bits));
    }
    Ok(w)
}

/// random:SEED with the default range of t, as self-tests seed inputs.
pub fn seeded(seed: u64, t: Ty, n: usize) -> Vec<u8> {
    fill_random(&seed.to_string(), t, n).unwrap_or_default()
}

/// Some(bytes) for a generator, None when source is not one.
fn fill_generator(source: &str, t: Ty, n: usize) -> Option<Result<Vec<u8>, String>> {
    if source == "zeros" {
        return Some(Ok(zeros(t, n)));
    }
    if source == "iota" {
        return Some(Ok(fill_iota(t, n)));
    }
    if let Some(v) = source.strip_prefix("const:") {
        let example = if t.is_float() {
            "1.5"
        } else if t.is_signed() {
            "-3"
        } else {
            "7"
        };
        return Some(match parse_value(v, t) {
            Some(bits) => {
                let mut w = zeros(t, n);
                (0..n).for_each(|i| put(t, &mut w, i, bits));
                Ok(w)
            }
            None => {
                Err(format!("'{source}': '{v}' is not a valid {} value\nFix: write e.g. const:{example}", t.name()))
            }
        });
    }
    source.strip_prefix("random:").map(|arg| fill_random(arg, t, n))
}

// ---- .npy header dict: the rules of vyrec's src/data.c ----
//
// The header is a Python dict literal with exactly the keys 'descr' (a
// string), 'fortran_order' (True or False) and 'shape' (a tuple of
// non-negative integers: (), (5,), (3, 4)), in any order, keys quoted with
// ' or ", whitespace between tokens, an optional trailing comma, then only
// whitespace. Everything else is malformed: duplicate or unknown keys,
// escapes in strings, integers with leading zeros, signs, suffixes or '_',
// a shape of (5) (not a tuple), and a shape of more than 2^32-1 elements.

const NPY_MAX_HEADER: usize = 1 << 20;
const NPY_MAX_DIMS: usize = 64;

struct NpyHdr {
    descr: Vec<u8>,
    fortran: bool,
    count: u64,
}

struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | 0x0b)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn skip(&mut self) {
        while self.peek().map_or(false, is_ws) {
            self.i += 1;
        }
    }
    fn string(&mut self) -> Result<Vec<u8>, String> {
        let q = match self.peek() {
            Some(c @ (b'\'' | b'"')) => c,
            _ => return Err("expected a quoted string".into()),
        };
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == q {
                let s = self.b[start..self.i].to_vec();
                self.i += 1;
                return Ok(s);
            }
            if c == b'\\' {
                return Err("escapes in strings are not supported".into());
            }
            if c == b'\n' || c == 0 {
                break;
            }
            self.i += 1;
        }
        Err("unterminated string".into())
    }
    fn dim(&mut self) -> Result<u64, String> {
        match self.peek() {
            Some(b'-' | b'+') => return Err("a shape dimension has a sign".into()),
            Some(b'0'..=b'9') => {}
            _ => return Err("expected an integer in the shape".into()),
        }
        if self.peek() == Some(b'0') && self.b.get(self.i + 1).map_or(false, |c| c.is_ascii_digit()) {
            return Err("a shape dimension has a leading zero".into());
        }
        let mut v: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add((c - b'0') as u64))
                .ok_or("a shape dimension is too large")?;
            self.i += 1;
        }
        if self.peek().map_or(false, is_word) {
            return Err("a shape dimension is not a plain integer".into());
        }
        Ok(v)
    }
    fn shape(&mut self) -> Result<u64, String> {
        if self.peek() != Some(b'(') {
            return Err("the shape is not a tuple".into());
        }
        self.i += 1;
        self.skip();
        let (mut prod, mut zero, mut ndim, mut commas) = (1u64, false, 0usize, 0usize);
        while self.peek().map_or(false, |c| c != b')') {
            if ndim == NPY_MAX_DIMS {
                return Err("the shape has more than 64 dimensions".into());
            }
            let d = self.dim()?;
            ndim += 1;
            if d == 0 {
                zero = true;
            } else {
                prod = prod.saturating_mul(d).min(1 << 32);
            }
            self.skip();
            match self.peek() {
                Some(b',') => {
                    commas += 1;
                    self.i += 1;
                    self.skip();
                }
                Some(b')') => {}
                _ => return Err("expected ',' or ')' in the shape".into()),
            }
        }
        if self.peek().is_none() {
            return Err("the shape has no closing ')'".into());
        }
        self.i += 1;
        if ndim == 1 && commas == 0 {
            return Err("the shape is a parenthesised integer, not a tuple (write (N,))".into());
        }
        if !zero && prod > u32::MAX as u64 {
            return Err("the shape holds more than 2^32-1 elements".into());
        }
        Ok(if zero { 0 } else { prod })
    }
    fn word(&mut self, w: &[u8]) -> bool {
        let end = self.i + w.len();
        if self.b.len() >= end && &self.b[self.i..end] == w && !self.b.get(end).copied().map_or(false, is_word) {
            self.i = end;
            return true;
        }
        false
    }
}

fn npy_header_parse(h: &[u8]) -> Result<NpyHdr, String> {
    const KEYS: [&str; 3] = ["descr", "fortran_order", "shape"];
    let mut c = Cur { b: h, i: 0 };
    let mut seen = [false; 3];
    let mut hd = NpyHdr { descr: Vec::new(), fortran: false, count: 0 };
    if c.peek() != Some(b'{') {
        return Err("the header is not a dict".into());
    }
    c.i += 1;
    loop {
        c.skip();
        if c.peek() == Some(b'}') {
            break;
        }
        let k = c.string()?;
        let i = match KEYS.iter().position(|key| key.as_bytes() == k.as_slice()) {
            Some(i) => i,
            None => {
                let shown = String::from_utf8_lossy(&k[..k.len().min(32)]).into_owned();
                return Err(format!("unexpected key '{shown}'"));
            }
        };
        if seen[i] {
            return Err(format!("duplicate key '{}'", KEYS[i]));
        }
        seen[i] = true;
        c.skip();
        if c.peek() != Some(b':') {
            return Err(format!("expected ':' after '{}'", KEYS[i]));
        }
        c.i += 1;
        c.skip();
        match i {
            0 => {
                if c.peek() == Some(b'[') {
                    return Err("structured dtypes are not supported".into());
                }
                hd.descr = c.string()?;
            }
            1 => {
                hd.fortran = if c.word(b"True") {
                    true
                } else if c.word(b"False") {
                    false
                } else {
                    return Err("'fortran_order' is not True or False".into());
                }
            }
            _ => hd.count = c.shape()?,
        }
        c.skip();
        match c.peek() {
            Some(b',') => c.i += 1,
            Some(b'}') => break,
            _ => return Err(format!("expected ',' or '}}' after '{}'", KEYS[i])),
        }
    }
    c.i += 1;
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(format!("missing key '{}'", KEYS[i]));
    }
    c.skip();
    if c.i != h.len() {
        return Err("text after the dict".into());
    }
    Ok(hd)
}

// ---- end of the .npy header dict ----

/// Read until buf is full or the end; how many bytes were read.
fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> Result<usize, std::io::Error> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The .npy preamble and header, checked against t; the element count.
fn npy_read_header(f: &mut impl Read, path: &str, t: Ty) -> Result<u64, String> {
    let rerr = |e: std::io::Error| format!("cannot read '{path}': {e}\nFix: check the path");
    let bad = |why: &str| format!("'{path}' has a malformed .npy header: {why}\nFix: write it with numpy.save");
    let mut b = [0u8; 12];
    let got = read_up_to(f, &mut b[..10]).map_err(rerr)?;
    if (6..10).contains(&got) && &b[..6] == b"\x93NUMPY" {
        return Err(bad("the file ends inside the preamble"));
    }
    if got < 10 || &b[..6] != b"\x93NUMPY" {
        return Err(format!(
            "'{path}' is not a .npy file (no \\x93NUMPY magic)\nFix: write it with \
             numpy.save, or give it another extension to read raw little-endian elements"
        ));
    }
    if !(1..=3).contains(&b[6]) || b[7] != 0 {
        return Err(format!(
            "'{path}' has .npy format version {}.{}; this launcher reads 1.0, 2.0 and 3.0",
            b[6], b[7]
        ));
    }
    let hlen = if b[6] == 1 {
        u16::from_le_bytes([b[8], b[9]]) as usize
    } else {
        if read_up_to(f, &mut b[10..12]).map_err(rerr)? < 2 {
            return Err(bad("the file ends inside the header length"));
        }
        u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize
    };
    if hlen > NPY_MAX_HEADER {
        return Err(bad("the header is longer than 1 MiB"));
    }
    let mut h = vec![0u8; hlen];
    if read_up_to(f, &mut h).map_err(rerr)? < hlen {
        return Err(bad("the file ends inside the header"));
    }
    let hd = npy_header_parse(&h).map_err(|why| bad(&why))?;
    let d = &hd.descr;
    let shown = String::from_utf8_lossy(&d[..d.len().min(32)]).into_owned();
    let want = t.descr().as_bytes();
    let same = d.len() == 3 && d[1..] == want[1..];
    if same && d[0] == b'>' {
        return Err(format!("'{path}' is big-endian ('{shown}'); this launcher reads little-endian .npy files\nFix: save a.astype('{}')", t.descr()));
    }
    if !same || !matches!(d[0], b'<' | b'|' | b'=') {
        return Err(format!(
            "'{path}' has dtype '{shown}' but the buffer has type {} ('{}')\nFix: save a.astype('{}')",
            t.name(),
            t.descr(),
            t.descr()
        ));
    }
    if hd.fortran {
        return Err(format!("'{path}' is in Fortran order; this launcher reads C-order .npy files\nFix: save numpy.ascontiguousarray(a)"));
    }
    Ok(hd.count)
}

/// A zeroed vector of n elements, or an out-of-memory error naming what.
fn alloc<T: Clone + Default>(n: usize, what: &str) -> Result<Vec<T>, String> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        format!(
            "out of memory: cannot allocate {} bytes for {what}\nFix: free memory or use smaller params",
            n.saturating_mul(std::mem::size_of::<T>())
        )
    })?;
    v.resize(n, T::default());
    Ok(v)
}

/// The n components of a .npy or raw file: the header is checked, then
/// at most n * size + 1 data bytes are read, so a file larger than the
/// buffer is refused without reading it all.
fn read_file(path: &str, t: Ty, count: usize) -> Result<Vec<u8>, String> {
    let rerr = |e: std::io::Error| format!("cannot read '{path}': {e}\nFix: check the path");
    let mut f = fs::File::open(path).map_err(rerr)?;
    let npy = path.ends_with(".npy");
    let fix = "Fix: give a file of the buffer's size or change the params that size the buffer";
    if npy {
        let n = npy_read_header(&mut f, path, t)?;
        if n != count as u64 {
            return Err(format!("'{path}' holds {n} elements but the buffer has {count}\n{fix}"));
        }
    }
    let es = t.size();
    let bytes = count * es;
    // a regular file tells its size: a wrong one is refused unread
    let pos = f.stream_position().ok();
    let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    let (mut b, got, more) = match (pos, size) {
        (Some(p), Some(s)) if s != p + bytes as u64 => (Vec::new(), s.saturating_sub(p) as usize, false),
        _ => {
            let mut b: Vec<u8> = alloc(bytes, &format!("the contents of '{path}'"))?;
            let got = read_up_to(&mut f, &mut b).map_err(rerr)?;
            let more = got == bytes && read_up_to(&mut f, &mut [0u8; 1]).map_err(rerr)? > 0;
            (b, got, more)
        }
    };
    if got == bytes && !more {
        return Ok(b);
    }
    b.clear();
    Err(if npy {
        format!("'{path}' is truncated or has trailing bytes: its header says {count} elements ({bytes} bytes)\nFix: write it with numpy.save")
    } else if more {
        format!("'{path}' holds more than the buffer's {count} elements ({bytes} bytes)\n{fix}")
    } else if got % es != 0 {
        format!("'{path}' has {got} bytes, not a whole number of {es}-byte {} elements", t.name())
    } else {
        format!("'{path}' holds {} elements but the buffer has {count}\n{fix}", got / es)
    })
}

/// The contents of a buffer of n components of type t from source.
pub fn fill(source: &str, t: Ty, n: usize) -> Result<Vec<u8>, String> {
    if let Some(r) = fill_generator(source, t, n) {
        return r;
    }
    if !source.contains('/') && !source.contains('.') && fs::metadata(source).is_err() {
        return Err(format!(
            "unknown data source '{source}': not a file and not a generator\n\
             Fix: name an existing .npy or raw file, or one of the generators {GENERATORS}"
        ));
    }
    read_file(source, t, n)
}

/// The .npy 1.0 header for n components, padded to a multiple of 64: shape
/// (n,), or (n / lanes, lanes) for a vector buffer.
fn npy_header(t: Ty, lanes: usize, n: usize) -> Vec<u8> {
    let shape = if lanes > 1 { format!("({}, {lanes})", n / lanes) } else { format!("({n},)") };
    let dict = format!("{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}", t.descr());
    let total = 10 + dict.len() + 1;
    let pad = (64 - total % 64) % 64;
    let hlen = dict.len() + pad + 1;
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(hlen as u16).to_le_bytes());
    b.extend_from_slice(dict.as_bytes());
    b.resize(b.len() + pad, b' ');
    b.push(b'\n');
    b
}

/// Follow symbolic links from path to the file they name (which may not
/// exist yet).
fn resolve_links(path: &str) -> io::Result<PathBuf> {
    let mut p = PathBuf::from(path);
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
            Ok(m) if !m.file_type().is_symlink() => return Ok(p),
            Ok(_) => {
                let t = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(d) if t.is_relative() => d.join(t),
                    _ => t,
                };
            }
        }
    }
    Err(io::Error::new(io::ErrorKind::Other, "too many levels of symbolic links"))
}

/// A new temporary beside real, created exclusively (O_EXCL) under an
/// unpredictable name.
fn temp_beside(real: &Path) -> io::Result<(fs::File, PathBuf)> {
    let dir = real.parent().unwrap_or_else(|| Path::new(""));
    let base: String = real.file_name().map(|s| s.to_string_lossy().chars().take(64).collect()).unwrap_or_default();
    for i in 0..100u32 {
        let mut h = RandomState::new().build_hasher();
        h.write_u32(i);
        h.write_u32(std::process::id());
        let tmp = dir.join(format!(".{base}.{:016x}.tmp", h.finish()));
        match fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name"))
}

// The temporary being written, removed by the handler of SIGINT, SIGTERM
// and SIGHUP (libc declared by hand, like ffi.rs; the numbers are Linux's).
static LIVE_TMP: AtomicPtr<c_char> = AtomicPtr::new(std::ptr::null_mut());
extern "C" {
    fn signal(sig: c_int, handler: usize) -> usize;
    fn raise(sig: c_int) -> c_int;
    fn unlink(path: *const c_char) -> c_int;
}
const SIGS: [c_int; 3] = [2, 15, 1];

extern "C" fn on_signal(sig: c_int) {
    let p = LIVE_TMP.load(Ordering::SeqCst);
    unsafe {
        if !p.is_null() {
            unlink(p);
        }
        signal(sig, 0);
        raise(sig);
    }
}

fn catch_signals() {
    for s in SIGS {
        // SIG_IGN (1) stays ignored, as under nohup.
        unsafe {
            if signal(s, on_signal as extern "C" fn(c_int) as usize) == 1 {
                signal(s, 1);
            }
        }
    }
}

/// Write the components w (little-endian bytes of type t, lanes a vector)
/// to path (.npy, else raw) as vyrec does: a device or a FIFO is
/// written directly; anything else through a temporary beside the file a
/// symbolic link names, then a rename, so a failed run leaves no partial
/// file and a link stays a link.
pub fn write_file(path: &str, t: Ty, lanes: usize, w: &[u8]) -> Result<(), String> {
    let mut b = if path.ends_with(".npy") { npy_header(t, lanes, w.len() / t.size()) } else { Vec::new() };
    b.extend_from_slice(w);
    let fail =
        |e: io::Error| format!("cannot write '{path}': {e}\nFix: check that its directory exists and is writable");
    let real = resolve_links(path).map_err(fail)?;
    let old = fs::metadata(&real).ok();
    match &old {
        Some(m) if m.is_dir() => return Err(format!("cannot write '{path}': it is a directory\nFix: name a file")),
        Some(m) if !m.is_file() => {
            return fs::OpenOptions::new().write(true).open(&real).and_then(|mut f| f.write_all(&b)).map_err(fail)
        }
        _ => {}
    }
    catch_signals();
    let (mut f, tmp) = temp_beside(&real).map_err(fail)?;
    let ctmp = CString::new(tmp.as_os_str().as_bytes()).unwrap_or_default();
    LIVE_TMP.store(ctmp.as_ptr() as *mut c_char, Ordering::SeqCst);
    let r = f
        .write_all(&b)
        .and_then(|_| match &old {
            Some(m) => f.set_permissions(m.permissions()),
            None => Ok(()),
        })
        .and_then(|_| {
            drop(f);
            fs::rename(&tmp, &real)
        });
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    LIVE_TMP.store(std::ptr::null_mut(), Ordering::SeqCst);
    drop(ctmp);
    r.map_err(fail)
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// x as C's printf("%.Pg") writes it (9 significant digits round-trip an
/// f32, 17 an f64).
fn fmt_g(x: f64, p: usize) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let e = format!("{x:.*e}", p - 1);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..p as i32).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", strip_zeros(mant), exp.abs());
    }
    let fixed = format!("{x:.*}", (p as i32 - 1 - exp) as usize);
    strip_zeros(&fixed).to_string()
}

/// One component (bits v of type t) as text, as vyrec prints it: f32,
/// bf16 and f16 with 9 significant digits, f64 with 17.
pub fn value_text(t: Ty, v: u64) -> String {
    match t {
        Ty::F64 => fmt_g(f64::from_bits(v), 17),
        _ if t.is_float() => fmt_g(raw_value(t, v), 9),
        _ if t.is_signed() => (raw_value(t, v) as i64).to_string(),
        _ => v.to_string(),
    }
}

/// The components on one line, separated by spaces (--print).
pub fn print_line(t: Ty, w: &[u8]) -> String {
    (0..w.len() / t.size()).map(|i| value_text(t, get(t, w, i))).collect::<Vec<_>>().join(" ")
}
