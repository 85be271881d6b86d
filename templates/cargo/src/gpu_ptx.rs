//! CUDA through the driver API in libcuda.so.1, opened with dlopen, its
//! entry points declared here by hand, so no toolkit is needed to build:
//! cuInit, device N (--device, default 0), a context, the embedded PTX
//! JIT-loaded with cuModuleLoadDataEx (the JIT error log goes into the
//! message), one device allocation per buffer, and cuLaunchKernel with the
//! vyrec PTX ABI (SPEC §3.2): one pointer per buffer in binding order, the
//! params in declaration order (f64 u64 i64 as 8 bytes), then one u32
//! element count per buffer.
//! Every CUresult is checked, named with cuGetErrorName, and an error ends
//! in a Fix: line.

use std::ffi::{c_void, CStr};
use std::os::raw::{c_char, c_int, c_uint};
use std::ptr::{null, null_mut};
use std::time::Instant;

use crate::ffi::{func, Lib};
use crate::program::{self, Step, BUFFERS, PARTS, WORKGROUP};

static KERNEL: &[u8] = include_bytes!("kernel.ptx");

type CUresult = c_int;
type Ptr = *mut c_void;
type DevPtr = u64;

const CU_JIT_INFO_LOG_BUFFER: c_int = 3;
const CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES: c_int = 4;
const CU_JIT_ERROR_LOG_BUFFER: c_int = 5;
const CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES: c_int = 6;
const LOG_SIZE: usize = 8192;

/// A table of entry points, each loaded by its driver API name.
macro_rules! entry_points {
    ($table:ident { $($name:ident: fn($($arg:ty),*);)* }) => {
        #[allow(non_snake_case)]
        struct $table {
            $($name: unsafe extern "C" fn($($arg),*) -> CUresult,)*
        }

        impl $table {
            fn load(lib: &Lib) -> Result<$table, String> {
                Ok($table {
                    $($name: {
                        let p = lib.sym(stringify!($name));
                        if p.is_null() {
                            return Err(format!(
                                "cuda: libcuda.so.1 lacks {}\nFix: update the NVIDIA driver",
                                stringify!($name)
                            ));
                        }
                        // SAFETY: the driver API entry point has this signature.
                        unsafe { func(p) }
                    },)*
                })
            }
        }
    };
}

entry_points!(Cuda {
    cuInit: fn(c_uint);
    cuDeviceGetCount: fn(*mut c_int);
    cuDeviceGet: fn(*mut c_int, c_int);
    cuDeviceGetName: fn(*mut c_char, c_int, c_int);
    cuCtxCreate_v2: fn(*mut Ptr, c_uint, c_int);
    cuCtxDestroy_v2: fn(Ptr);
    cuModuleLoadDataEx: fn(*mut Ptr, *const c_void, c_uint, *mut c_int, *mut Ptr);
    cuModuleUnload: fn(Ptr);
    cuModuleGetFunction: fn(*mut Ptr, Ptr, *const c_char);
    cuMemAlloc_v2: fn(*mut DevPtr, usize);
    cuMemFree_v2: fn(DevPtr);
    cuMemcpyHtoD_v2: fn(DevPtr, *const c_void, usize);
    cuMemcpyDtoH_v2: fn(*mut c_void, DevPtr, usize);
    cuMemsetD8_v2: fn(DevPtr, u8, usize);
    cuMemAllocHost_v2: fn(*mut Ptr, usize);
    cuMemFreeHost: fn(Ptr);
    cuMemcpyHtoDAsync_v2: fn(DevPtr, *const c_void, usize, Ptr);
    cuMemcpyDtoHAsync_v2: fn(*mut c_void, DevPtr, usize, Ptr);
    cuLaunchKernel: fn(Ptr, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, Ptr, *mut Ptr, *mut Ptr);
    cuCtxSynchronize: fn();
    cuEventCreate: fn(*mut Ptr, c_uint);
    cuEventRecord: fn(Ptr, Ptr);
    cuEventSynchronize: fn(Ptr);
    cuEventElapsedTime: fn(*mut f32, Ptr, Ptr);
    cuEventDestroy_v2: fn(Ptr);
    cuGetErrorName: fn(CUresult, *mut *const c_char);
});

fn fix_for(name: &str) -> &'static str {
    match name {
        "CUDA_ERROR_NO_DEVICE" => "check that the GPU is visible (nvidia-smi, CUDA_VISIBLE_DEVICES)",
        "CUDA_ERROR_STUB_LIBRARY" => {
            "libcuda.so.1 is the toolkit's stub: install the NVIDIA driver or put its \
             libcuda.so.1 first on the library path"
        }
        "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" => {
            "update the NVIDIA driver: it is older than the PTX ISA of the kernel, or \
             regenerate the launcher with an older --arch"
        }
        "CUDA_ERROR_INVALID_PTX" | "CUDA_ERROR_NO_BINARY_FOR_GPU" => {
            "regenerate the launcher with `vyrec launcher ... --target ptx` for this GPU \
             (sm_70 or later)"
        }
        "CUDA_ERROR_OUT_OF_MEMORY" => "use smaller buffers (smaller --param values) or free memory on the GPU",
        "CUDA_ERROR_ILLEGAL_ADDRESS" | "CUDA_ERROR_LAUNCH_FAILED" => {
            "the kernel faulted; check the program with `vyrec run --backend reference --strict`"
        }
        "CUDA_ERROR_INVALID_DEVICE" => "pick a device that exists (--device N, see nvidia-smi)",
        _ => "check the NVIDIA driver with nvidia-smi",
    }
}

struct Buf {
    ptr: DevPtr,
    /// This run's size; cap: the allocation's.
    bytes: usize,
    cap: usize,
    /// The pinned (page-locked) host twin of a buffer of at most PIN_MAX
    /// bytes, or null; queued: an asynchronous copy from or into it is
    /// queued on the default stream and not waited for yet.
    pin: *mut u8,
    queued: bool,
}

/// Buffers of at most this many bytes move through a pinned twin with
/// asynchronous copies, so that a run (copies in, launch, copies out)
/// waits once, as the C launcher's drv_ptx.c does.
const PIN_MAX: usize = 1 << 20;

impl Buf {
    fn empty() -> Buf {
        Buf { ptr: 0, bytes: 0, cap: 0, pin: null_mut(), queued: false }
    }
}

/// What --bench measured: per launch the kernel alone (CUDA events) and
/// launch to finish on the host, then back-to-back launches.
pub struct Bench {
    pub gpu_ms: Vec<f64>,
    pub wall_ms: Vec<f64>,
    pub loop_us: f64,
    pub timer: String,
}

pub struct Gpu {
    _lib: Lib,
    cu: Cuda,
    ctx: Ptr,
    module: Ptr,
    function: Ptr,
    bufs: Vec<Buf>,
    events: [Ptr; 2],
    name: String,
    pipe: Pipe,
}

impl Gpu {
    fn check(&self, call: &str, r: CUresult) -> Result<(), String> {
        if r == 0 {
            return Ok(());
        }
        let mut p: *const c_char = null();
        // SAFETY: cuGetErrorName sets p to a static string or leaves it null.
        let name = if unsafe { (self.cu.cuGetErrorName)(r, &mut p) } == 0 && !p.is_null() {
            // SAFETY: p is a NUL-terminated static string.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        } else {
            format!("CUresult {r}")
        };
        Err(format!("cuda: {call} failed: {name}\nFix: {}", fix_for(&name)))
    }

    /// Open the driver and create a context on device N (default 0).
    pub fn new(device: Option<u32>) -> Result<Gpu, String> {
        let lib = Lib::open("libcuda.so.1").map_err(|e| {
            format!(
                "cuda: libcuda.so.1 not found (dlopen: {e})\nFix: install the NVIDIA driver, \
                 which provides libcuda.so.1, on a machine with an NVIDIA GPU (or generate the \
                 launcher with --target spv to run it through Vulkan)"
            )
        })?;
        let cu = Cuda::load(&lib)?;
        let pipe = Pipe {
            graphs: Graphs::load(&lib).ok(),
            parts: Vec::new(),
            stream: null_mut(),
            graph: null_mut(),
            exec: null_mut(),
            key: Vec::new(),
        };
        let mut g = Gpu {
            _lib: lib,
            cu,
            ctx: null_mut(),
            module: null_mut(),
            function: null_mut(),
            bufs: Vec::new(),
            events: [null_mut(); 2],
            name: String::new(),
            pipe,
        };
        // SAFETY: the driver API is called as documented; out-pointers are live.
        unsafe {
            g.check("cuInit", (g.cu.cuInit)(0))?;
            let mut n = 0;
            g.check("cuDeviceGetCount", (g.cu.cuDeviceGetCount)(&mut n))?;
            let want = device.unwrap_or(0);
            if want as i64 >= n as i64 {
                return Err(format!(
                    "cuda: device {want} does not exist ({n} CUDA device{})\nFix: pick --device 0..{} (see nvidia-smi)",
                    if n == 1 { "" } else { "s" },
                    (n - 1).max(0)
                ));
            }
            let mut dev = 0;
            g.check("cuDeviceGet", (g.cu.cuDeviceGet)(&mut dev, want as c_int))?;
            let mut name = [0 as c_char; 256];
            g.check("cuDeviceGetName", (g.cu.cuDeviceGetName)(name.as_mut_ptr(), 256, dev))?;
            g.name = CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned();
            let mut ctx = null_mut();
            g.check("cuCtxCreate_v2", (g.cu.cuCtxCreate_v2)(&mut ctx, 0, dev))?;
            g.ctx = ctx;
        }
        Ok(g)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// JIT-load the embedded PTX and find the kernel.
    fn load(&mut self) -> Result<(), String> {
        let mut text = KERNEL.to_vec();
        text.push(0);
        let mut err_log = vec![0u8; LOG_SIZE];
        let mut info_log = vec![0u8; LOG_SIZE];
        let mut opts = [
            CU_JIT_ERROR_LOG_BUFFER,
            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
            CU_JIT_INFO_LOG_BUFFER,
            CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
        ];
        let mut vals: [Ptr; 4] =
            [err_log.as_mut_ptr() as Ptr, LOG_SIZE as Ptr, info_log.as_mut_ptr() as Ptr, LOG_SIZE as Ptr];
        let mut module = null_mut();
        // SAFETY: text is NUL-terminated; the logs hold LOG_SIZE bytes.
        let r = unsafe {
            (self.cu.cuModuleLoadDataEx)(
                &mut module,
                text.as_ptr() as *const c_void,
                4,
                opts.as_mut_ptr(),
                vals.as_mut_ptr(),
            )
        };
        if let Err(e) = self.check("cuModuleLoadDataEx", r) {
            let log = String::from_utf8_lossy(&err_log[..err_log.iter().position(|&c| c == 0).unwrap_or(LOG_SIZE)])
                .into_owned();
            let (head, fix) = e.split_once("\nFix: ").unwrap_or((&e, ""));
            return Err(format!(
                "{head} (JIT log: {})\nFix: {fix}",
                if log.is_empty() { "empty" } else { log.trim_end() }
            ));
        }
        self.module = module;
        let entry = std::ffi::CString::new(PARTS[0].entry).map_err(|_| "kernel name with a NUL".to_string())?;
        let mut function = null_mut();
        // SAFETY: module is loaded; entry is NUL-terminated.
        let r = unsafe { (self.cu.cuModuleGetFunction)(&mut function, module, entry.as_ptr()) };
        self.check("cuModuleGetFunction", r)?;
        self.function = function;
        Ok(())
    }

    /// Queue one launch; with sync, wait for it. The wall time in ms.
    fn launch(&self, args: &mut [Ptr], grid: [u32; 3], sync: bool) -> Result<f64, String> {
        let t = Instant::now();
        // SAFETY: args point at values that live through the launch, in
        // the kernel's parameter order.
        let r = unsafe {
            (self.cu.cuLaunchKernel)(
                self.function,
                grid[0],
                grid[1],
                grid[2],
                WORKGROUP[0],
                WORKGROUP[1],
                WORKGROUP[2],
                0,
                null_mut(),
                args.as_mut_ptr(),
                null_mut(),
            )
        };
        self.check("cuLaunchKernel", r)?;
        if sync {
            // SAFETY: a context is current.
            self.check("cuCtxSynchronize", unsafe { (self.cu.cuCtxSynchronize)() })?;
        }
        Ok(t.elapsed().as_secs_f64() * 1e3)
    }

    /// n launches, each between two CUDA events.
    fn bench(&mut self, args: &mut [Ptr], grid: [u32; 3], n: u32) -> Result<Bench, String> {
        for i in 0..2 {
            if self.events[i].is_null() {
                let mut e = null_mut();
                // SAFETY: e is a live out-pointer; a context is current.
                self.check("cuEventCreate", unsafe { (self.cu.cuEventCreate)(&mut e, 0) })?;
                self.events[i] = e;
            }
        }
        let [e0, e1] = self.events;
        let mut b = Bench { gpu_ms: Vec::new(), wall_ms: Vec::new(), loop_us: 0.0, timer: "cuda events".into() };
        self.launch(args, grid, true)?; // warm-up
        for _ in 0..n {
            let t = Instant::now();
            // SAFETY: the events are live; the default stream is null.
            self.check("cuEventRecord", unsafe { (self.cu.cuEventRecord)(e0, null_mut()) })?;
            self.launch(args, grid, false)?;
            // SAFETY: as above.
            unsafe {
                self.check("cuEventRecord", (self.cu.cuEventRecord)(e1, null_mut()))?;
                self.check("cuEventSynchronize", (self.cu.cuEventSynchronize)(e1))?;
            }
            b.wall_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let mut ms = 0f32;
            // SAFETY: both events have completed.
            self.check("cuEventElapsedTime", unsafe { (self.cu.cuEventElapsedTime)(&mut ms, e0, e1) })?;
            b.gpu_ms.push(ms as f64);
        }
        let t = Instant::now();
        for _ in 0..n {
            self.launch(args, grid, false)?;
        }
        // SAFETY: a context is current.
        self.check("cuCtxSynchronize", unsafe { (self.cu.cuCtxSynchronize)() })?;
        b.loop_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        Ok(b)
    }

    /// Buffer i made (or grown) to hold bytes bytes (count * stride, the
    /// kernel's count of it from now on), filled from data (zeros where None).
    pub fn put(&mut self, i: usize, data: Option<&[u8]>, bytes: usize) -> Result<(), String> {
        if self.function.is_null() {
            self.load()?;
        }
        while self.bufs.len() < BUFFERS.len() {
            self.bufs.push(Buf::empty());
        }
        if self.bufs[i].queued && data.is_some() {
            self.sync()?; // the twin is in use
        }
        if self.bufs[i].cap < bytes.max(4) {
            self.sync()?;
            let old = std::mem::replace(&mut self.bufs[i], Buf::empty());
            self.free_buf(&old)?;
            let mut ptr = 0;
            // SAFETY: ptr is a live out-pointer.
            let r = unsafe { (self.cu.cuMemAlloc_v2)(&mut ptr, bytes.max(4)) };
            self.check("cuMemAlloc_v2", r)?;
            self.bufs[i] = Buf { ptr, cap: bytes.max(4), ..Buf::empty() };
            if bytes <= PIN_MAX {
                let mut pin = null_mut();
                // SAFETY: pin is a live out-pointer.
                let r = unsafe { (self.cu.cuMemAllocHost_v2)(&mut pin, bytes.max(4)) };
                self.check("cuMemAllocHost_v2", r)?;
                self.bufs[i].pin = pin as *mut u8;
            }
        }
        self.bufs[i].bytes = bytes;
        let ptr = self.bufs[i].ptr;
        let pin = self.bufs[i].pin;
        if let (Some(d), false) = (data, pin.is_null()) {
            if d.len() < bytes {
                return Err("internal: upload shorter than its count".into());
            }
            // SAFETY: d holds at least bytes bytes, the twin and the
            // allocation at least as many; no queued copy uses the twin.
            let r = unsafe {
                std::ptr::copy_nonoverlapping(d.as_ptr(), pin, bytes);
                (self.cu.cuMemcpyHtoDAsync_v2)(ptr, pin as *const c_void, bytes, null_mut())
            };
            self.bufs[i].queued = true;
            return self.check("cuMemcpyHtoDAsync_v2", r);
        }
        let r = match data {
            // SAFETY: d holds at least bytes bytes; the allocation at least
            // as many.
            Some(d) if d.len() >= bytes => unsafe {
                (self.cu.cuMemcpyHtoD_v2)(ptr, d.as_ptr() as *const c_void, bytes)
            },
            Some(_) => return Err("internal: upload shorter than its count".into()),
            // SAFETY: the allocation holds bytes bytes.
            None => unsafe { (self.cu.cuMemsetD8_v2)(ptr, 0, bytes) },
        };
        self.check(if data.is_some() { "cuMemcpyHtoD_v2" } else { "cuMemsetD8_v2" }, r)
    }

    /// The first out.len() bytes of buffer i into out (the copy waits for
    /// the launches before it).
    pub fn get(&mut self, i: usize, out: &mut [u8]) -> Result<(), String> {
        if self.queue_get(i, out)? {
            self.sync()?;
            self.read_pin(i, out);
        }
        Ok(())
    }

    /// Queue the copy of buffer i's first out.len() bytes into its twin
    /// (true: read_pin after a sync), or (no twin) copy them into out.
    fn queue_get(&mut self, i: usize, out: &mut [u8]) -> Result<bool, String> {
        let b = &self.bufs[i];
        let bytes = out.len().min(b.bytes);
        if !b.pin.is_null() {
            // SAFETY: the twin and the allocation hold at least bytes bytes.
            let r = unsafe { (self.cu.cuMemcpyDtoHAsync_v2)(b.pin as *mut c_void, b.ptr, bytes, null_mut()) };
            self.bufs[i].queued = true;
            self.check("cuMemcpyDtoHAsync_v2", r)?;
            return Ok(true);
        }
        // SAFETY: out holds at least bytes bytes; the allocation as many.
        let r = unsafe { (self.cu.cuMemcpyDtoH_v2)(out.as_mut_ptr() as *mut c_void, b.ptr, bytes) };
        self.check("cuMemcpyDtoH_v2", r)?;
        Ok(false)
    }

    /// The bytes queue_get copied into buffer i's twin, into out.
    fn read_pin(&self, i: usize, out: &mut [u8]) {
        let b = &self.bufs[i];
        let bytes = out.len().min(b.bytes);
        // SAFETY: the copy into the twin is done (after a sync); out and the
        // twin hold at least bytes bytes.
        unsafe { std::ptr::copy_nonoverlapping(b.pin, out.as_mut_ptr(), bytes) };
    }

    /// Wait for everything queued (its errors, a kernel's among them,
    /// surface here); the twins are free again.
    fn sync(&mut self) -> Result<(), String> {
        for b in self.bufs.iter_mut() {
            b.queued = false;
        }
        // SAFETY: a context is current.
        self.check("cuCtxSynchronize", unsafe { (self.cu.cuCtxSynchronize)() })
    }

    /// Free buffer b's device memory and twin (idle: nothing queued).
    fn free_buf(&self, b: &Buf) -> Result<(), String> {
        if !b.pin.is_null() {
            // SAFETY: the twin is idle and freed once.
            unsafe { (self.cu.cuMemFreeHost)(b.pin as Ptr) };
        }
        if b.ptr != 0 {
            // SAFETY: the buffer is idle (every launch is waited for).
            let r = unsafe { (self.cu.cuMemFree_v2)(b.ptr) };
            self.check("cuMemFree_v2", r)?;
        }
        Ok(())
    }

    /// The launch arguments: the buffers, the params, the counts.
    fn launch_args(&self, params: &[u32]) -> (Vec<DevPtr>, Vec<u64>, Vec<u32>) {
        let ptrs: Vec<DevPtr> = self.bufs.iter().map(|b| b.ptr).collect();
        let counts: Vec<u32> =
            self.bufs.iter().zip(BUFFERS).map(|(b, d)| (b.bytes / d.elem_bytes as usize) as u32).collect();
        (ptrs, program::param_vals(params), counts)
    }

    /// One launch on the resident buffers (every one put); with sync, it
    /// waits for it (one cuCtxSynchronize), else the next copy out does.
    fn launch_resident(
        &mut self,
        params: &[u32],
        grid: [u32; 3],
        sync: bool,
        bench: u32,
    ) -> Result<Option<Bench>, String> {
        let (mut ptrs, mut vals, mut counts) = self.launch_args(params);
        let mut args: Vec<Ptr> = Vec::with_capacity(ptrs.len() + vals.len() + counts.len());
        args.extend(ptrs.iter_mut().map(|p| p as *mut DevPtr as Ptr));
        args.extend(vals.iter_mut().map(|p| p as *mut u64 as Ptr));
        args.extend(counts.iter_mut().map(|p| p as *mut u32 as Ptr));
        if bench > 0 {
            return self.bench(&mut args, grid, bench).map(Some);
        }
        self.launch(&mut args, grid, sync)?;
        Ok(None)
    }

    /// One dispatch on the resident buffers, waiting for it.
    pub fn dispatch(&mut self, params: &[u32], grid: [u32; 3]) -> Result<(), String> {
        self.launch_resident(params, grid, false, 0)?;
        self.sync()
    }

    /// Upload bufs, launch the kernel over grid with params, read the
    /// writable buffers back into bufs (the copies out wait for the
    /// launch: no separate synchronize); then time `bench` more launches.
    /// The module and device buffers are kept between runs while they are
    /// big enough.
    pub fn run(&mut self, params: &[u32], bufs: &mut [Vec<u8>], grid: [u32; 3], bench: u32) -> Result<Bench, String> {
        for (i, data) in bufs.iter().enumerate() {
            self.put(i, Some(data), data.len())?;
        }
        self.launch_resident(params, grid, false, 0)?;
        let mut pinned = Vec::new();
        for (i, (b, data)) in BUFFERS.iter().zip(bufs.iter_mut()).enumerate() {
            if b.writable() && self.queue_get(i, data)? {
                pinned.push(i);
            }
        }
        self.sync()?; // the one wait: copies in, launch, copies out
        for i in pinned {
            self.read_pin(i, &mut bufs[i]);
        }
        if bench > 0 {
            if let Some(b) = self.launch_resident(params, grid, true, bench)? {
                return Ok(b);
            }
        }
        Ok(Bench { gpu_ms: Vec::new(), wall_ms: Vec::new(), loop_us: 0.0, timer: "cuda events".into() })
    }
}

// ---- pipelines (SPEC §10.5) ----

// Optional entry points: a repeating pipeline as a CUDA graph. Without
// one of them pipelines run as plain launches on one stream.
// cuGraphInstantiateWithFlags is cuda.h's cuGraphInstantiate (11.4+).
entry_points!(Graphs {
    cuStreamCreate: fn(*mut Ptr, c_uint);
    cuStreamDestroy_v2: fn(Ptr);
    cuStreamSynchronize: fn(Ptr);
    cuStreamBeginCapture_v2: fn(Ptr, c_int);
    cuStreamEndCapture: fn(Ptr, *mut Ptr);
    cuGraphInstantiateWithFlags: fn(*mut Ptr, Ptr, u64);
    cuGraphLaunch: fn(Ptr, Ptr);
    cuGraphExecDestroy: fn(Ptr);
    cuGraphDestroy: fn(Ptr);
});

const CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: c_int = 1;
/// A pipeline of at least this many dispatches runs as a CUDA graph.
const GRAPH_MIN: usize = 8;

/// A pipeline's state: each part's function, the stream, and the graph
/// of the last pipeline with what it was captured from.
pub struct Pipe {
    graphs: Option<Graphs>,
    parts: Vec<Ptr>,
    stream: Ptr,
    graph: Ptr,
    exec: Ptr,
    key: Vec<u64>,
}

impl Gpu {
    /// Queue one step of a pipeline on stream (null: the default one).
    fn launch_step(&self, s: &Step, counts: &[u32], stream: Ptr) -> Result<(), String> {
        let mut ptrs: Vec<DevPtr> = self.bufs.iter().map(|b| b.ptr).collect();
        let mut vals: Vec<u64> = program::param_vals(&s.params);
        let mut cs: Vec<u32> = counts.to_vec();
        let mut args: Vec<Ptr> = Vec::new();
        args.extend(ptrs.iter_mut().map(|p| p as *mut DevPtr as Ptr));
        args.extend(vals.iter_mut().map(|p| p as *mut u64 as Ptr));
        args.extend(cs.iter_mut().map(|p| p as *mut u32 as Ptr));
        let wg = PARTS[s.part].workgroup;
        // SAFETY: args point at values that live through the call (the
        // driver copies them), in the kernel's parameter order.
        let r = unsafe {
            (self.cu.cuLaunchKernel)(
                self.pipe.parts[s.part],
                s.grid[0],
                s.grid[1],
                s.grid[2],
                wg[0],
                wg[1],
                wg[2],
                0,
                stream,
                args.as_mut_ptr(),
                null_mut(),
            )
        };
        self.check("cuLaunchKernel", r)
    }

    fn graph_drop(&mut self) {
        if let Some(g) = &self.pipe.graphs {
            // SAFETY: each is idle (every launch is waited for) and freed once.
            unsafe {
                if !self.pipe.exec.is_null() {
                    (g.cuGraphExecDestroy)(self.pipe.exec);
                }
                if !self.pipe.graph.is_null() {
                    (g.cuGraphDestroy)(self.pipe.graph);
                }
            }
        }
        self.pipe.exec = null_mut();
        self.pipe.graph = null_mut();
        self.pipe.key.clear();
    }

    /// Capture the steps on the stream into a graph, or reuse the last
    /// one if it was captured from the same launches over the same
    /// buffers; launch it and wait. false: the driver would not capture
    /// (nothing ran).
    fn graph_run(&mut self, steps: &[Step], counts: &[u32]) -> Result<bool, String> {
        let mut key: Vec<u64> = self.bufs.iter().map(|b| b.ptr).collect();
        key.extend(counts.iter().map(|&c| c as u64));
        for s in steps {
            key.push(s.part as u64);
            key.extend(s.grid.iter().chain(&s.params).map(|&w| w as u64));
        }
        if self.pipe.exec.is_null() || self.pipe.key != key {
            self.graph_drop();
            let g = match &self.pipe.graphs {
                Some(g) => g,
                None => return Ok(false),
            };
            if self.pipe.stream.is_null() {
                let mut s = null_mut();
                // SAFETY: s is a live out-pointer; a context is current.
                if unsafe { (g.cuStreamCreate)(&mut s, 0) } != 0 {
                    return Ok(false);
                }
                self.pipe.stream = s;
            }
            let stream = self.pipe.stream;
            // SAFETY: the stream is live and not capturing.
            if unsafe { (g.cuStreamBeginCapture_v2)(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) } != 0 {
                return Ok(false);
            }
            let bad = steps.iter().any(|s| self.launch_step(s, counts, stream).is_err());
            let mut graph = null_mut();
            let mut exec = null_mut();
            // SAFETY: the stream is capturing on this thread; out-pointers are live.
            let ok = unsafe {
                (g.cuStreamEndCapture)(stream, &mut graph) == 0
                    && !bad
                    && !graph.is_null()
                    && (g.cuGraphInstantiateWithFlags)(&mut exec, graph, 0) == 0
            };
            if !ok {
                if !graph.is_null() {
                    // SAFETY: the graph is unused.
                    unsafe { (g.cuGraphDestroy)(graph) };
                }
                return Ok(false);
            }
            self.pipe.graph = graph;
            self.pipe.exec = exec;
            self.pipe.key = key;
        }
        let g = self.pipe.graphs.as_ref().expect("a graph was captured");
        // SAFETY: exec and stream are live; the graph's launches read the
        // device buffers, which live as long as self.
        unsafe {
            self.check("cuGraphLaunch", (g.cuGraphLaunch)(self.pipe.exec, self.pipe.stream))?;
            self.check("cuStreamSynchronize", (g.cuStreamSynchronize)(self.pipe.stream))?;
        }
        Ok(true)
    }

    /// The steps in order on one stream and one synchronisation; a CUDA
    /// graph where the pipeline repeats. How it ran, for --bench.
    fn pipe_launch(&mut self, steps: &[Step], counts: &[u32]) -> Result<&'static str, String> {
        if steps.len() >= GRAPH_MIN && self.graph_run(steps, counts)? {
            return Ok("cuda graph (captured once, then launched)");
        }
        for s in steps {
            self.launch_step(s, counts, null_mut())?;
        }
        // SAFETY: a context is current.
        self.check("cuCtxSynchronize", unsafe { (self.cu.cuCtxSynchronize)() })?;
        Ok(if steps.len() >= GRAPH_MIN {
            "one cuda stream, plain launches (the driver cannot capture a cuda graph)"
        } else {
            "one cuda stream"
        })
    }

    /// The module and each kernel part's function, loaded once.
    fn load_parts(&mut self) -> Result<(), String> {
        if self.function.is_null() {
            self.load()?;
        }
        if self.pipe.parts.is_empty() {
            for part in PARTS {
                let entry = std::ffi::CString::new(part.entry).map_err(|_| "kernel name with a NUL".to_string())?;
                let mut function = null_mut();
                // SAFETY: module is loaded; entry is NUL-terminated.
                let r = unsafe { (self.cu.cuModuleGetFunction)(&mut function, self.module, entry.as_ptr()) };
                self.check("cuModuleGetFunction (kernel part)", r)?;
                self.pipe.parts.push(function);
            }
        }
        Ok(())
    }

    /// A pipeline's steps on the resident buffers (every one put), waiting
    /// for them; the writable buffers stay on the device for get.
    pub fn dispatch_steps(&mut self, steps: &[Step]) -> Result<(), String> {
        self.load_parts()?;
        let counts: Vec<u32> =
            self.bufs.iter().zip(BUFFERS).map(|(b, d)| (b.bytes / d.elem_bytes as usize) as u32).collect();
        self.pipe_launch(steps, &counts).map(|_| ())
    }

    /// Run a pipeline (SPEC §10.5): upload bufs, every step in order
    /// (a CUDA graph where it repeats), the writable buffers read back;
    /// then time `bench` more runs of it whole (wall clock).
    pub fn pipeline(&mut self, steps: &[Step], bufs: &mut [Vec<u8>], bench: u32) -> Result<Bench, String> {
        self.load_parts()?;
        let fits = self.bufs.len() == bufs.len() && self.bufs.iter().zip(bufs.iter()).all(|(b, d)| b.cap >= d.len());
        if fits {
            for (b, d) in self.bufs.iter_mut().zip(bufs.iter()) {
                b.bytes = d.len();
            }
        } else {
            self.sync()?;
            for b in std::mem::take(&mut self.bufs) {
                self.free_buf(&b)?;
            }
            for data in bufs.iter() {
                let bytes = data.len();
                let mut ptr = 0;
                // SAFETY: ptr is a live out-pointer.
                let r = unsafe { (self.cu.cuMemAlloc_v2)(&mut ptr, bytes.max(4)) };
                self.check("cuMemAlloc_v2", r)?;
                self.bufs.push(Buf { ptr, bytes, cap: bytes.max(4), ..Buf::empty() });
            }
        }
        for (data, b) in bufs.iter().zip(&self.bufs) {
            // SAFETY: data holds b.bytes bytes; the allocation at least as many.
            let r = unsafe { (self.cu.cuMemcpyHtoD_v2)(b.ptr, data.as_ptr() as *const c_void, b.bytes) };
            self.check("cuMemcpyHtoD_v2", r)?;
        }
        let counts: Vec<u32> =
            bufs.iter().zip(BUFFERS).map(|(d, b)| (d.len() / b.elem_bytes as usize) as u32).collect();
        let mut note = self.pipe_launch(steps, &counts)?;
        for ((b, data), d) in BUFFERS.iter().zip(bufs.iter_mut()).zip(&self.bufs) {
            if b.writable() {
                // SAFETY: data holds d.bytes bytes.
                let r = unsafe { (self.cu.cuMemcpyDtoH_v2)(data.as_mut_ptr() as *mut c_void, d.ptr, d.bytes) };
                self.check("cuMemcpyDtoH_v2", r)?;
            }
        }
        let mut b = Bench { gpu_ms: Vec::new(), wall_ms: Vec::new(), loop_us: 0.0, timer: String::new() };
        let mut total = 0.0;
        for _ in 0..bench {
            let t = Instant::now();
            note = self.pipe_launch(steps, &counts)?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            total += ms;
            b.wall_ms.push(ms);
            b.gpu_ms.push(ms);
        }
        if bench > 0 {
            b.loop_us = total * 1e3 / (bench as f64 * steps.len().max(1) as f64);
        }
        b.timer = format!("wall clock, runs of the whole pipeline of {} dispatches; {note}", steps.len());
        Ok(b)
    }
}

impl Drop for Gpu {
    fn drop(&mut self) {
        self.graph_drop();
        if let (Some(g), false) = (&self.pipe.graphs, self.pipe.stream.is_null()) {
            // SAFETY: the stream is idle and destroyed once.
            unsafe { (g.cuStreamDestroy_v2)(self.pipe.stream) };
        }
        // SAFETY: each object was created in this context and is freed once.
        unsafe {
            for e in self.events {
                if !e.is_null() {
                    (self.cu.cuEventDestroy_v2)(e);
                }
            }
            (self.cu.cuCtxSynchronize)();
            for b in &self.bufs {
                if b.ptr != 0 {
                    (self.cu.cuMemFree_v2)(b.ptr);
                }
                if !b.pin.is_null() {
                    (self.cu.cuMemFreeHost)(b.pin as Ptr);
                }
            }
            if !self.module.is_null() {
                (self.cu.cuModuleUnload)(self.module);
            }
            if !self.ctx.is_null() {
                (self.cu.cuCtxDestroy_v2)(self.ctx);
            }
        }
    }
}
