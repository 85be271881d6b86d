// res.rs: the resident buffers of a generated saxpy crate (upload_x,
// upload_y, dispatch, download_y) against Kernel::run and `vyrec run`, as
// tests/launchres/res.c does for C; built by tests/t_launchres.sh as the
// main.rs of a crate that depends on the generated one (`lib`).  Each step
// writes TAG.x.bin, TAG.yin.bin, TAG.out.bin and prints "RES TAG A N".
use lib::{Kernel, Params};

fn fill(n: u32, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1103515245).wrapping_add(12345);
            ((s >> 8 & 0xFFFF) as i32 - 32768) as f32 / 1024.0
        })
        .collect()
}

fn dump(tag: &str, buf: &str, v: &[f32]) {
    let b: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
    std::fs::write(format!("{tag}.{buf}.bin"), b).expect("write");
}

fn chain(k: &mut Kernel, tag: &str, n: u32, a: &[f32], seed: u32) {
    let x = fill(n, seed);
    let mut y = fill(n, seed + 7);
    k.upload_x(&x).expect("upload x");
    k.upload_y(&y).expect("upload y");
    for (i, &a) in a.iter().enumerate() {
        let t = format!("{tag}.{i}");
        dump(&t, "x", &x);
        dump(&t, "yin", &y);
        k.dispatch(&Params { a, n }).expect("dispatch");
        k.download_y(&mut y).expect("download y");
        dump(&t, "out", &y);
        println!("RES {t} {a:?} {n}");
    }
}

fn must_fail(r: Result<(), lib::Error>, tag: &str, what: &str) {
    match r {
        Err(e) if e.message().contains(what) && e.message().contains("\nFix: ") => println!("OK {tag}"),
        Err(e) => println!("FAIL {tag}: {e}"),
        Ok(()) => println!("FAIL {tag}: no error"),
    }
}

fn main() {
    let mut k = match Kernel::new(0) {
        Ok(k) => k,
        Err(e) => {
            println!("OPEN {e}");
            return;
        }
    };
    chain(&mut k, "c1", 1000, &[1.5, -2.0, 0.25, 3.0], 1);
    chain(&mut k, "c2", 300, &[0.5, 7.0], 2);
    chain(&mut k, "c3", 5000, &[-1.25], 3);
    chain(&mut k, "c4", 1000, &[0.5, 7.0], 4);
    let n = 777;
    let x = fill(n, 9);
    let mut yr = fill(n, 10);
    let mut yd = yr.clone();
    let p = Params { a: 2.5, n };
    k.run(&p, &mut lib::Buffers { x: &x, y: &mut yr }).expect("run");
    k.upload_x(&x).expect("upload");
    k.upload_y(&yd).expect("upload");
    k.dispatch(&p).expect("dispatch");
    k.download_y(&mut yd).expect("download");
    let same = yr.iter().zip(&yd).all(|(a, b)| a.to_bits() == b.to_bits());
    println!("{}", if same { "OK run-vs-resident" } else { "FAIL run-vs-resident: the bits differ" });
    k.run(&p, &mut lib::Buffers { x: &x, y: &mut yr }).expect("run");
    dump("r1", "x", &x);
    dump("r1", "yin", &yr);
    k.dispatch(&Params { a: -0.75, n }).expect("dispatch after run");
    k.download_y(&mut yd).expect("download after run");
    dump("r1", "out", &yd);
    println!("RES r1 -0.75 {n}");
    let mut part = [0f32; 10];
    k.download_y(&mut part).expect("partial download");
    println!("{}", if part[..] == yd[..10] { "OK partial-download" } else { "FAIL partial-download" });
    must_fail(k.dispatch(&Params { a: 1.0, n: n + 1 }), "err.count", "holds 777 elements but its count n is 778");
    must_fail(k.download_y(&mut vec![0.0; 778]), "err.download-count", "which holds 777");
    must_fail(k.upload_x(&[]), "err.upload-zero", "cannot have 0 elements");
    k.dispatch(&p).expect("dispatch after errors");
    let mut k2 = Kernel::new(0).expect("second kernel");
    must_fail(k2.dispatch(&p), "err.not-resident", "buffer 'x' is not on the device");
    println!("DONE ok");
}
