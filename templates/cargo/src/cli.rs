//! The launcher's command line (vyrec SPEC §5), the same as the C
//! launcher's:
//!
//!   ./NAME [--param k=v]... [--in BUF=SOURCE]... [--out BUF=FILE]...
//!          [--print BUF] [--device N] [--bench N [--json]] [--selftest]
//!   ./NAME --describe [--json]
//!
//! Parsing checks names against the program, so a typo is a usage error
//! (exit 2) before any driver is opened.

use crate::data;
use crate::program::{BUFFERS, NAME, PARAMS};

pub const EXIT_RUNTIME: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_MISMATCH: u8 = 3;

/// An error and the exit code it ends the launcher with; the message ends
/// in a `Fix:` line where the user can act.
pub struct Fail {
    pub code: u8,
    pub msg: String,
}

impl Fail {
    pub fn usage(msg: String) -> Fail {
        Fail { code: EXIT_USAGE, msg }
    }

    pub fn runtime(msg: String) -> Fail {
        Fail { code: EXIT_RUNTIME, msg }
    }
}

#[derive(Default)]
pub struct Opts {
    /// Param bits by index, where given.
    pub params: Vec<Option<u64>>,
    /// (buffer index, SOURCE) and (buffer index, FILE).
    pub ins: Vec<(usize, String)>,
    pub outs: Vec<(usize, String)>,
    /// --print BUF (the last one given).
    pub print: Option<usize>,
    pub device: Option<u32>,
    pub bench: Option<u32>,
    /// --json: the --bench report as one JSON line.
    pub json: bool,
    pub selftest: bool,
    pub help: bool,
    /// --describe: print the interface, run nothing.
    pub describe: bool,
}

pub fn usage() -> String {
    format!(
        "usage: ./{NAME} [--param k=v]... [--in BUF=SOURCE]... [--out BUF=FILE]...\n\
         \x20      [--print BUF] [--device N] [--bench N [--json]] [--selftest]\n\
         \x20      ./{NAME} --describe [--json]\n\
         SOURCE: a .npy or raw little-endian file, or zeros, iota, const:V, random:SEED[:LO:HI]\n\
         params: {}\n\
         buffers: {}",
        names(PARAMS.iter().map(|p| p.name)),
        names(BUFFERS.iter().map(|b| b.name))
    )
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = it.collect();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

fn buffer(name: &str) -> Result<usize, Fail> {
    BUFFERS.iter().position(|b| b.name == name).ok_or_else(|| {
        Fail::usage(format!(
            "'{name}' is not a buffer of '{NAME}'\nFix: use one of {}",
            names(BUFFERS.iter().map(|b| b.name))
        ))
    })
}

/// "BUF=VALUE" into the buffer index and VALUE.
fn buffer_value(opt: &str, kv: &str) -> Result<(usize, String), Fail> {
    match kv.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((buffer(k)?, v.to_string())),
        _ => Err(Fail::usage(format!(
            "'{opt} {kv}' is not of the form BUF={}\nFix: write e.g. {opt} {}={}",
            if opt == "--out" { "FILE" } else { "SOURCE" },
            BUFFERS.first().map_or("x", |b| b.name),
            if opt == "--out" { "out.npy" } else { "iota" }
        ))),
    }
}

fn param(o: &mut Opts, kv: &str) -> Result<(), Fail> {
    let (k, v) = match kv.split_once('=') {
        Some((k, v)) => (k, v),
        _ => {
            return Err(Fail::usage(format!("'--param {kv}' is not of the form NAME=VALUE")));
        }
    };
    let i = match PARAMS.iter().position(|p| p.name == k) {
        Some(i) => i,
        _ => {
            return Err(Fail::usage(format!(
                "'{k}' is not a param of '{NAME}'\nFix: use one of {}",
                names(PARAMS.iter().map(|p| p.name))
            )));
        }
    };
    let t = PARAMS[i].ty;
    let bits = data::parse_value(v, t)
        .ok_or_else(|| Fail::usage(format!("'{v}' is not a valid {} for param '{k}'", t.name())))?;
    o.params[i] = Some(bits);
    Ok(())
}

fn number(opt: &str, v: &str, min: u32) -> Result<u32, Fail> {
    match v.parse::<u32>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(Fail::usage(format!(
            "'{opt} {v}' is not {} integer",
            if min > 0 { "a positive" } else { "a non-negative" }
        ))),
    }
}

pub fn parse(args: &[String]) -> Result<Opts, Fail> {
    let mut o = Opts { params: vec![None; PARAMS.len()], ..Opts::default() };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.as_str();
        if a == "--selftest" {
            o.selftest = true;
            continue;
        }
        if a == "--help" || a == "-h" {
            o.help = true;
            continue;
        }
        if a == "--json" {
            o.json = true;
            continue;
        }
        if a == "--describe" {
            o.describe = true;
            continue;
        }
        if !matches!(a, "--param" | "--in" | "--out" | "--print" | "--device" | "--bench") {
            return Err(Fail::usage(format!("unknown option '{a}'\nFix: see ./{NAME} --help")));
        }
        let v = match it.next() {
            Some(v) => v,
            _ => {
                return Err(Fail::usage(format!("{a} needs a value\nFix: see ./{NAME} --help")));
            }
        };
        match a {
            "--param" => param(&mut o, v)?,
            "--in" => o.ins.push(buffer_value(a, v)?),
            "--out" => o.outs.push(buffer_value(a, v)?),
            "--print" => o.print = Some(buffer(v)?),
            "--device" => o.device = Some(number(a, v, 0)?),
            _ => o.bench = Some(number(a, v, 1)?),
        }
    }
    if o.describe
        && (o.params.iter().any(Option::is_some)
            || !o.ins.is_empty()
            || !o.outs.is_empty()
            || o.print.is_some()
            || o.bench.is_some()
            || o.selftest
            || o.device.is_some())
    {
        return Err(Fail::usage(
            "--describe prints the kernel's interface and runs nothing; give it alone (or with --json)".into(),
        ));
    }
    if o.json && o.bench.is_none() && !o.describe {
        return Err(Fail::usage(
            "--json formats the --bench or --describe report\nFix: give --bench N or --describe too".into(),
        ));
    }
    if o.selftest && (o.params.iter().any(Option::is_some) || !o.ins.is_empty()) {
        return Err(Fail::usage(
            "--selftest runs with the params and inputs it was generated with\n\
             Fix: drop --param and --in, or drop --selftest"
                .into(),
        ));
    }
    Ok(o)
}
