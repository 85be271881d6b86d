//! Buffer contents from files and generators, and back (vyrec SPEC §7).
//!
//! A SOURCE is a generator (`zeros`, `iota`, `const:V`,
//! `random:SEED[:LO:HI]`) or a file: `.npy` (format 1.0, 2.0 or 3.0,
//! little-endian, C order, dtype `<u4`, `<i4` or `<f4` matching the buffer)
//! or, for any other extension, raw little-endian 32-bit elements. Every
//! element is held as its 32 bits (`u32`), whatever its type. `random` is
//! SplitMix64 with state = SEED, one draw per element; f32 values are
//! computed in f64 and rounded once, exactly as vyrec does.

use std::fs;

/// Element types; a program may not use all three.
#[allow(dead_code)]
#[derive(Clone, Copy, PartialEq)]
pub enum Ty {
    U32,
    I32,
    F32,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::U32 => "u32",
            Ty::I32 => "i32",
            Ty::F32 => "f32",
        }
    }

    fn descr(self) -> &'static str {
        match self {
            Ty::U32 => "<u4",
            Ty::I32 => "<i4",
            Ty::F32 => "<f4",
        }
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

/// The bits of a value of type t written as text: u32 and i32 decimal or
/// 0x hex, f32 as a decimal number, `inf` or `nan`.
pub fn parse_value(s: &str, t: Ty) -> Option<u32> {
    match t {
        Ty::F32 => {
            let d: f64 = s.parse().ok()?;
            Some((d as f32).to_bits())
        }
        Ty::U32 => {
            let v = parse_unsigned(s)?;
            u32::try_from(v).ok()
        }
        Ty::I32 => {
            let (neg, digits) = match s.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, s.strip_prefix('+').unwrap_or(s)),
            };
            let v = parse_unsigned(digits)? as i128;
            let v = if neg { -v } else { v };
            i32::try_from(v).ok().map(|x| x as u32)
        }
    }
}

fn fill_iota(t: Ty, count: u32) -> Vec<u32> {
    (0..count)
        .map(|i| if t == Ty::F32 { (i as f32).to_bits() } else { i })
        .collect()
}

fn as_f64(t: Ty, bits: u32) -> f64 {
    match t {
        Ty::F32 => f32::from_bits(bits) as f64,
        Ty::I32 => bits as i32 as f64,
        Ty::U32 => bits as f64,
    }
}

/// random:SEED[:LO:HI]; arg is the text after "random:".
pub fn fill_random(arg: &str, t: Ty, count: u32) -> Result<Vec<u32>, String> {
    let parts: Vec<&str> = arg.split(':').collect();
    let seed = if parts.len() == 1 || parts.len() == 3 { parse_unsigned(parts[0]) } else { None };
    let seed = seed.ok_or_else(|| {
        format!(
            "'random:{arg}' is not of the form random:SEED or random:SEED:LO:HI\n\
             Fix: give a non-negative integer seed, e.g. random:42 or random:42:0:100"
        )
    })?;
    let (mut lo, mut hi) = match t {
        Ty::F32 => (-1.0, 1.0),
        Ty::I32 => (-32768.0, 32768.0),
        Ty::U32 => (0.0, 65536.0),
    };
    if parts.len() == 3 {
        let (lb, hb) = match (parse_value(parts[1], t), parse_value(parts[2], t)) {
            (Some(lb), Some(hb)) => (lb, hb),
            _ => {
                return Err(format!(
                    "'random:{arg}': bounds '{}' and '{}' are not both {} values",
                    parts[1],
                    parts[2],
                    t.name()
                ));
            }
        };
        lo = as_f64(t, lb);
        hi = as_f64(t, hb);
        if !(lo < hi) || !lo.is_finite() || !hi.is_finite() {
            return Err(format!(
                "'random:{arg}': LO must be less than HI (the range is [LO, HI))\n\
                 Fix: swap or widen the bounds"
            ));
        }
    }
    Ok(random_words(seed, t, lo, hi, count))
}

fn random_words(seed: u64, t: Ty, lo: f64, hi: f64, count: u32) -> Vec<u32> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            let z = splitmix64(&mut state);
            if t == Ty::F32 {
                let u = (z >> 40) as f64 * (1.0 / 16_777_216.0);
                ((lo + (hi - lo) * u) as f32).to_bits()
            } else {
                let span = (hi as i64 - lo as i64) as u64;
                (lo as i64 + ((z >> 32) % span) as i64) as u32
            }
        })
        .collect()
}

/// random:SEED with the default range of t, as self-tests seed inputs.
pub fn seeded(seed: u64, t: Ty, count: u32) -> Vec<u32> {
    fill_random(&seed.to_string(), t, count).unwrap_or_default()
}

/// Some(words) for a generator, None when source is not one.
fn fill_generator(source: &str, t: Ty, count: u32) -> Option<Result<Vec<u32>, String>> {
    if source == "zeros" {
        return Some(Ok(vec![0; count as usize]));
    }
    if source == "iota" {
        return Some(Ok(fill_iota(t, count)));
    }
    if let Some(v) = source.strip_prefix("const:") {
        let example = match t {
            Ty::F32 => "1.5",
            Ty::I32 => "-3",
            Ty::U32 => "7",
        };
        return Some(match parse_value(v, t) {
            Some(bits) => Ok(vec![bits; count as usize]),
            None => Err(format!(
                "'{source}': '{v}' is not a valid {} value\nFix: write e.g. const:{example}",
                t.name()
            )),
        });
    }
    source.strip_prefix("random:").map(|arg| fill_random(arg, t, count))
}

fn npy_key<'a>(h: &'a str, key: &str) -> Option<&'a str> {
    let at = h.find(&format!("'{key}'")).or_else(|| h.find(&format!("\"{key}\"")))?;
    let rest = h[at + key.len() + 2..].trim_start();
    Some(rest.strip_prefix(':')?.trim_start())
}

fn npy_shape(s: &str) -> Option<u64> {
    let inner = &s.strip_prefix('(')?[..s[1..].find(')')?];
    let mut n: u64 = 1;
    for d in inner.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        n = n.checked_mul(d.parse::<u64>().ok()?)?;
    }
    Some(n)
}

/// The elements of a .npy image.
fn npy_parse(path: &str, b: &[u8], t: Ty) -> Result<Vec<u32>, String> {
    let bad = || format!("'{path}' has a malformed .npy header\nFix: write it with numpy.save");
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err(format!(
            "'{path}' is not a .npy file (no \\x93NUMPY magic)\nFix: write it with \
             numpy.save, or give it another extension to read raw little-endian elements"
        ));
    }
    let (hlen, hstart) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => return Err(format!("'{path}' has .npy format version {v}.{}; this launcher reads 1.0, 2.0 and 3.0", b[7])),
    };
    let h = b.get(hstart..hstart + hlen).ok_or_else(bad)?;
    let h = std::str::from_utf8(h).map_err(|_| bad())?;
    let (descr, fortran, shape) = match (npy_key(h, "descr"), npy_key(h, "fortran_order"), npy_key(h, "shape")) {
        (Some(d), Some(f), Some(s)) => (d, f, s),
        _ => return Err(bad()),
    };
    let q = descr.as_bytes().first().copied().ok_or_else(bad)?;
    let rest = &descr.as_bytes()[1..];
    let end = rest.iter().position(|&c| c == q).ok_or_else(bad)?;
    let d = &rest[..end];
    let shown = String::from_utf8_lossy(d);
    let want = t.descr().as_bytes();
    let same = d.len() == 3 && d[1..] == want[1..];
    if same && d[0] == b'>' {
        return Err(format!("'{path}' is big-endian ('{shown}'); this launcher reads little-endian .npy files\nFix: save a.astype('{}')", t.descr()));
    }
    if (q != b'\'' && q != b'"') || !same || !matches!(d[0], b'<' | b'|' | b'=') {
        return Err(format!("'{path}' has dtype '{shown}' but the buffer has type {} ('{}')\nFix: save a.astype('{}')", t.name(), t.descr(), t.descr()));
    }
    if fortran.starts_with("True") {
        return Err(format!("'{path}' is in Fortran order; this launcher reads C-order .npy files\nFix: save numpy.ascontiguousarray(a)"));
    }
    if !fortran.starts_with("False") {
        return Err(bad());
    }
    let n = npy_shape(shape).ok_or_else(bad)?;
    let body = &b[hstart + hlen..];
    if body.len() as u64 != n.saturating_mul(4) {
        return Err(format!(
            "'{path}' is truncated or has trailing bytes: its header says {n} elements ({} bytes) but {} bytes follow it",
            n.saturating_mul(4),
            body.len()
        ));
    }
    Ok(words(body))
}

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Read a data file's elements (checked against t).
pub fn read_file(path: &str, t: Ty) -> Result<Vec<u32>, String> {
    let b = fs::read(path).map_err(|e| format!("cannot read '{path}': {e}\nFix: check the path"))?;
    if path.ends_with(".npy") {
        return npy_parse(path, &b, t);
    }
    if b.len() % 4 != 0 {
        return Err(format!("'{path}' has {} bytes, not a whole number of 4-byte {} elements", b.len(), t.name()));
    }
    Ok(words(&b))
}

/// The contents of a buffer of count elements of type t from source.
pub fn fill(source: &str, t: Ty, count: u32) -> Result<Vec<u32>, String> {
    if let Some(r) = fill_generator(source, t, count) {
        return r;
    }
    if !source.contains('/') && !source.contains('.') && fs::metadata(source).is_err() {
        return Err(format!(
            "unknown data source '{source}': not a file and not a generator\n\
             Fix: name an existing .npy or raw file, or one of the generators {GENERATORS}"
        ));
    }
    let w = read_file(source, t)?;
    if w.len() as u64 != count as u64 {
        return Err(format!(
            "'{source}' holds {} elements but the buffer has {count}\n\
             Fix: give a file of {count} elements or change the params that size the buffer",
            w.len()
        ));
    }
    Ok(w)
}

/// The .npy 1.0 header for count elements, padded to a multiple of 64.
fn npy_header(t: Ty, count: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '{}', 'fortran_order': False, 'shape': ({count},), }}", t.descr());
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

/// Write w to path (.npy, else raw), through a temporary file and a
/// rename, so a failed run leaves no partial file.
pub fn write_file(path: &str, t: Ty, w: &[u32]) -> Result<(), String> {
    let mut b = if path.ends_with(".npy") { npy_header(t, w.len()) } else { Vec::new() };
    for x in w {
        b.extend_from_slice(&x.to_le_bytes());
    }
    let tmp = format!("{path}.tmp{}", std::process::id());
    fs::write(&tmp, &b)
        .and_then(|_| fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = fs::remove_file(&tmp);
            format!("cannot write '{path}': {e}\nFix: check that its directory exists and is writable")
        })
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// x as C's printf("%.9g") writes it (9 significant digits round-trip an f32).
fn fmt_g9(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let e = format!("{x:.8e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..9).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", strip_zeros(mant), exp.abs());
    }
    let fixed = format!("{x:.*}", (8 - exp) as usize);
    strip_zeros(&fixed).to_string()
}

/// One element as text, as vyrec prints it.
pub fn value_text(t: Ty, w: u32) -> String {
    match t {
        Ty::F32 => fmt_g9(f32::from_bits(w) as f64),
        Ty::I32 => (w as i32).to_string(),
        Ty::U32 => w.to_string(),
    }
}

/// The elements on one line, separated by spaces (--print).
pub fn print_line(t: Ty, w: &[u32]) -> String {
    w.iter().map(|&x| value_text(t, x)).collect::<Vec<_>>().join(" ")
}
