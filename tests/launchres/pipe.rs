// pipe.rs: a pipelined program (samples/jacobi1d.yaml) through a generated
// crate's resident buffers, as tests/launchres/pipe.c does for C: a and b
// uploaded once, Kernel::dispatch runs the whole pipeline on them, a
// second dispatch continues from the first's results, new uploads of
// another count, Kernel::run then a dispatch after it, and a dispatch
// whose counts differ from the resident ones refused.  Each step writes
// TAG.ain.bin, TAG.bin.bin, TAG.a.bin, TAG.b.bin and prints
// "RES TAG N TSTEPS" for tests/t_launchres.sh.
use lib::{Buffers, Kernel, Params};

fn dump(tag: &str, buf: &str, v: &[f32]) {
    let b: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
    std::fs::write(format!("{tag}.{buf}.bin"), b).expect("write");
}

fn fill(n: u32, s: f32) -> (Vec<f32>, Vec<f32>) {
    ((0..n).map(|i| (i % 17) as f32 * s + 1.0).collect(), (0..n).map(|i| (i % 5) as f32 - s).collect())
}

/// One resident dispatch from the device's a and b (host copies ain,
/// bin), both downloaded; returns them, the next step's inputs.
fn step(k: &mut Kernel, tag: &str, n: u32, tsteps: u32, ain: &[f32], bin: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (mut a, mut b) = (vec![0f32; n as usize], vec![0f32; n as usize]);
    k.dispatch(&Params { n, tsteps }).expect("dispatch");
    k.download_a(&mut a).expect("download a");
    k.download_b(&mut b).expect("download b");
    dump(tag, "ain", ain);
    dump(tag, "bin", bin);
    dump(tag, "a", &a);
    dump(tag, "b", &b);
    println!("RES {tag} {n} {tsteps}");
    (a, b)
}

fn main() {
    let mut k = match Kernel::new(0) {
        Ok(k) => k,
        Err(e) => {
            println!("OPEN {e}");
            return;
        }
    };
    let (a, b) = fill(1000, 0.5);
    k.upload_a(&a).expect("upload a");
    k.upload_b(&b).expect("upload b");
    let (a, b) = step(&mut k, "p1", 1000, 3, &a, &b);
    step(&mut k, "p2", 1000, 2, &a, &b); // continues from p1's a and b
    let (a, b) = fill(300, 2.0);
    k.upload_a(&a).expect("upload a");
    k.upload_b(&b).expect("upload b");
    step(&mut k, "p3", 300, 4, &a, &b);
    // Kernel::run, then a dispatch on the buffers it left
    let (ain, bin) = fill(4096, 0.25);
    let (mut a, mut b) = (ain.clone(), bin.clone());
    k.run(&Params { n: 4096, tsteps: 2 }, &mut Buffers { a: &mut a, b: &mut b }).expect("run");
    dump("p4", "ain", &ain);
    dump("p4", "bin", &bin);
    dump("p4", "a", &a);
    dump("p4", "b", &b);
    println!("RES p4 4096 2");
    step(&mut k, "p5", 4096, 1, &a, &b);
    match k.dispatch(&Params { n: 500, tsteps: 1 }) {
        Err(e) if e.message().contains("holds 4096 elements") && e.message().contains("\nFix: ") => {
            println!("OK pipeline-count-refused")
        }
        Err(e) => println!("FAIL pipeline-count-refused: {e}"),
        Ok(()) => println!("FAIL pipeline-count-refused: no error"),
    }
    println!("DONE ok");
}
