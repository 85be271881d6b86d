//! Vulkan through libvulkan.so.1, opened with dlopen. The Vulkan 1.1 types
//! and entry points this launcher uses are declared here by hand, so no
//! SDK or crate is needed: an instance, a physical device (--device N, else
//! the first discrete, integrated, virtual, then CPU device: lavapipe
//! counts), a device with one compute queue, one storage buffer per
//! program buffer at its binding with exactly count * stride bytes (the
//! kernel's len() reads the bound range), a descriptor set, the compute
//! pipeline from the embedded SPIR-V words, the params as push constants in
//! declaration order, a dispatch, a fence wait with a 60 s timeout, and the
//! writable buffers read back. Every VkResult is checked and an error ends
//! in a Fix: line.
//!
//! Storage buffers live in device-local memory: mapped where that memory is
//! host-visible and cached (CPU and integrated devices), else with a
//! host-visible staging twin that the command buffer copies in and out. The
//! pipeline, command buffer, fence and buffers are made once and reused;
//! each run re-records the command buffer, so it pushes its own params.
//! The exact-fma variant of the kernel is chosen when the device is opened:
//! OpFmaKHR with VK_KHR_shader_fma, the f64 one with shaderFloat64, else the
//! f32 emulation (VYREC_VK_FMA=emulate|f64|khr and
//! VYREC_VK_MEMORY=direct|staging force a choice). --bench brackets the
//! dispatch alone with timestamp queries.

#![allow(dead_code)] // the C structures' fields are read by the driver

use std::ffi::{c_void, CStr};
use std::os::raw::c_char;
use std::ptr::{null, null_mut};
use std::time::Instant;

use crate::ffi::{func, Lib};
use crate::program::{self, Step, BUFFERS, ENTRY, PARAMS, PARTS, READS_NWG, WORKGROUP};

static KERNEL: &[u8] = include_bytes!("kernel.spv");
static KERNEL_F64: &[u8] = include_bytes!("kernel_f64.spv");
static KERNEL_KHR: &[u8] = include_bytes!("kernel_khr.spv");

const LOADED: &str = "device entry points are loaded before use";
const TIMEOUT_NS: u64 = 60_000_000_000;

type Handle = *mut c_void; // dispatchable handles
type Nd = u64; // non-dispatchable handles
type VkResult = i32;
type PFN = Option<unsafe extern "C" fn()>;

const VK_SUCCESS: VkResult = 0;
const VK_TIMEOUT: VkResult = 2;
const VK_INCOMPLETE: VkResult = 5;
const API_1_1: u32 = (1 << 22) | (1 << 12);

const ST_APPLICATION_INFO: u32 = 0;
const ST_INSTANCE_CREATE_INFO: u32 = 1;
const ST_DEVICE_QUEUE_CREATE_INFO: u32 = 2;
const ST_DEVICE_CREATE_INFO: u32 = 3;
const ST_SUBMIT_INFO: u32 = 4;
const ST_MEMORY_ALLOCATE_INFO: u32 = 5;
const ST_FENCE_CREATE_INFO: u32 = 8;
const ST_BUFFER_CREATE_INFO: u32 = 12;
const ST_SHADER_MODULE_CREATE_INFO: u32 = 16;
const ST_PIPELINE_SHADER_STAGE_CREATE_INFO: u32 = 18;
const ST_COMPUTE_PIPELINE_CREATE_INFO: u32 = 29;
const ST_PIPELINE_LAYOUT_CREATE_INFO: u32 = 30;
const ST_DESCRIPTOR_SET_LAYOUT_CREATE_INFO: u32 = 32;
const ST_DESCRIPTOR_POOL_CREATE_INFO: u32 = 33;
const ST_DESCRIPTOR_SET_ALLOCATE_INFO: u32 = 34;
const ST_WRITE_DESCRIPTOR_SET: u32 = 35;
const ST_COMMAND_POOL_CREATE_INFO: u32 = 39;
const ST_COMMAND_BUFFER_ALLOCATE_INFO: u32 = 40;
const ST_COMMAND_BUFFER_BEGIN_INFO: u32 = 42;
const ST_MEMORY_BARRIER: u32 = 46;
const ST_QUERY_POOL_CREATE_INFO: u32 = 11;
const ST_PHYSICAL_DEVICE_FEATURES_2: u32 = 1000059000;
const ST_SHADER_FMA_FEATURES: u32 = 1000579000; // VK_KHR_shader_fma
const VK_NOT_READY: VkResult = 1;

const QUEUE_COMPUTE_BIT: u32 = 0x2;
const STAGE_COMPUTE_BIT: u32 = 0x20;
const DESCRIPTOR_STORAGE_BUFFER: u32 = 7;
const BUFFER_USAGE_STORAGE_BIT: u32 = 0x20;
const MEMORY_DEVICE_LOCAL: u32 = 0x1;
const MEMORY_HOST_VISIBLE: u32 = 0x2;
const MEMORY_HOST_COHERENT: u32 = 0x4;
const MEMORY_HOST_CACHED: u32 = 0x8;
const BIND_POINT_COMPUTE: u32 = 1;
const PIPELINE_STAGE_COMPUTE_SHADER: u32 = 0x800;
const PIPELINE_STAGE_HOST: u32 = 0x4000;
const PIPELINE_STAGE_TOP: u32 = 0x1;
const PIPELINE_STAGE_TRANSFER: u32 = 0x1000;
const PIPELINE_STAGE_BOTTOM: u32 = 0x2000;
const ACCESS_SHADER_READ: u32 = 0x20;
const ACCESS_SHADER_WRITE: u32 = 0x40;
const ACCESS_TRANSFER_READ: u32 = 0x800;
const ACCESS_TRANSFER_WRITE: u32 = 0x1000;
const ACCESS_HOST_READ: u32 = 0x2000;
const BUFFER_USAGE_TRANSFER: u32 = 0x1 | 0x2;
const COMMAND_POOL_RESET_BUFFER: u32 = 0x2;
const PIPELINE_CREATE_DISPATCH_BASE: u32 = 0x10;
const QUERY_TYPE_TIMESTAMP: u32 = 2;
const QUERY_RESULT_64_WAIT: u32 = 0x1 | 0x2;
const FEATURE_SHADER_FLOAT64: usize = 39; // VkBool32 index in VkPhysicalDeviceFeatures
const FEATURE_SHADER_INT64: usize = 40;
const ST_16BIT_STORAGE_FEATURES: u32 = 1000083000;
const ST_8BIT_STORAGE_FEATURES: u32 = 1000177000;
const ST_FLOAT16_INT8_FEATURES: u32 = 1000082000;
const KHR_8BIT_STORAGE: &[u8] = b"VK_KHR_8bit_storage\0";
const KHR_FLOAT16_INT8: &[u8] = b"VK_KHR_shader_float16_int8\0";
/// program::DEVICE_NEEDS bits
const NEED_F64: u32 = 1;
const NEED_I64: u32 = 2;
const NEED_S8: u32 = 4;
const NEED_S16: u32 = 8;
const NEED_F16: u32 = 16;
const LIMITS_G_TIMESTAMP_PERIOD: usize = 22; // Limits::g[22] is timestampPeriod (offset 720)
const KHR_SHADER_FMA: &[u8] = b"VK_KHR_shader_fma\0";
const WHOLE_SIZE: u64 = !0;

// ---- structures (Vulkan 1.1 core, C layout) ----

#[repr(C)]
struct ApplicationInfo {
    s_type: u32,
    p_next: *const c_void,
    app_name: *const c_char,
    app_version: u32,
    engine_name: *const c_char,
    engine_version: u32,
    api_version: u32,
}

#[repr(C)]
struct InstanceCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    app_info: *const ApplicationInfo,
    layer_count: u32,
    layers: *const *const c_char,
    extension_count: u32,
    extensions: *const *const c_char,
}

/// VkPhysicalDeviceLimits with runs of same-sized members grouped.
#[repr(C)]
#[derive(Clone, Copy)]
struct Limits {
    a: [u32; 7],
    max_storage_buffer_range: u32,
    max_push_constants_size: u32,
    b: [u32; 2],
    c: [u64; 2],
    d: [u32; 39],
    max_work_group_count: [u32; 3],
    max_work_group_invocations: u32,
    max_work_group_size: [u32; 3],
    e: [u32; 13],
    min_memory_map_alignment: usize,
    f: [u64; 3],
    g: [u32; 35],
    h: [u64; 3],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct PhysicalDeviceProperties {
    api_version: u32,
    driver_version: u32,
    vendor_id: u32,
    device_id: u32,
    device_type: u32,
    device_name: [c_char; 256],
    uuid: [u8; 16],
    limits: Limits,
    sparse: [u32; 5],
}

const _: () = assert!(std::mem::size_of::<Limits>() == 504);
// The fields of Limits before g, laid out alike: their size is g's offset
// (std::mem::offset_of! needs Rust 1.77; these crates build with 1.63).
#[repr(C)]
#[allow(dead_code)]
struct LimitsBeforeG(
    [u32; 7],
    u32,
    u32,
    [u32; 2],
    [u64; 2],
    [u32; 39],
    [u32; 3],
    u32,
    [u32; 3],
    [u32; 13],
    usize,
    [u64; 3],
);
const _: () = assert!(std::mem::size_of::<LimitsBeforeG>() + 4 * LIMITS_G_TIMESTAMP_PERIOD == 720 - 296);
const _: () = assert!(std::mem::size_of::<PhysicalDeviceProperties>() == 824);

#[repr(C)]
#[derive(Clone, Copy)]
struct QueueFamilyProperties {
    flags: u32,
    count: u32,
    timestamp_bits: u32,
    granularity: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct MemoryType {
    flags: u32,
    heap: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct MemoryHeap {
    size: u64,
    flags: u32,
}

#[repr(C)]
struct MemoryProperties {
    type_count: u32,
    types: [MemoryType; 32],
    heap_count: u32,
    heaps: [MemoryHeap; 16],
}

const _: () = assert!(std::mem::size_of::<MemoryProperties>() == 520);

#[repr(C)]
struct DeviceQueueCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    family: u32,
    count: u32,
    priorities: *const f32,
}

#[repr(C)]
struct DeviceCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    queue_info_count: u32,
    queue_infos: *const DeviceQueueCreateInfo,
    layer_count: u32,
    layers: *const *const c_char,
    extension_count: u32,
    extensions: *const *const c_char,
    features: *const c_void,
}

#[repr(C)]
struct BufferCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    size: u64,
    usage: u32,
    sharing: u32,
    family_count: u32,
    families: *const u32,
}

#[repr(C)]
#[derive(Default)]
struct MemoryRequirements {
    size: u64,
    alignment: u64,
    type_bits: u32,
}

#[repr(C)]
struct MemoryAllocateInfo {
    s_type: u32,
    p_next: *const c_void,
    size: u64,
    type_index: u32,
}

#[repr(C)]
struct ShaderModuleCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    code_size: usize,
    code: *const u32,
}

#[repr(C)]
struct DescriptorSetLayoutBinding {
    binding: u32,
    kind: u32,
    count: u32,
    stages: u32,
    samplers: *const c_void,
}

#[repr(C)]
struct DescriptorSetLayoutCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    binding_count: u32,
    bindings: *const DescriptorSetLayoutBinding,
}

#[repr(C)]
struct PushConstantRange {
    stages: u32,
    offset: u32,
    size: u32,
}

#[repr(C)]
struct PipelineLayoutCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    set_layout_count: u32,
    set_layouts: *const Nd,
    range_count: u32,
    ranges: *const PushConstantRange,
}

#[repr(C)]
struct PipelineShaderStageCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    stage: u32,
    module: Nd,
    name: *const c_char,
    specialization: *const c_void,
}

#[repr(C)]
struct ComputePipelineCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    stage: PipelineShaderStageCreateInfo,
    layout: Nd,
    base: Nd,
    base_index: i32,
}

const _: () = assert!(std::mem::size_of::<ComputePipelineCreateInfo>() == 96);

#[repr(C)]
struct DescriptorPoolSize {
    kind: u32,
    count: u32,
}

#[repr(C)]
struct DescriptorPoolCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    max_sets: u32,
    size_count: u32,
    sizes: *const DescriptorPoolSize,
}

#[repr(C)]
struct DescriptorSetAllocateInfo {
    s_type: u32,
    p_next: *const c_void,
    pool: Nd,
    count: u32,
    layouts: *const Nd,
}

#[repr(C)]
struct DescriptorBufferInfo {
    buffer: Nd,
    offset: u64,
    range: u64,
}

#[repr(C)]
struct WriteDescriptorSet {
    s_type: u32,
    p_next: *const c_void,
    set: Nd,
    binding: u32,
    array_element: u32,
    count: u32,
    kind: u32,
    images: *const c_void,
    buffers: *const DescriptorBufferInfo,
    texel_views: *const c_void,
}

const _: () = assert!(std::mem::size_of::<WriteDescriptorSet>() == 64);

#[repr(C)]
struct CommandPoolCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    family: u32,
}

#[repr(C)]
struct CommandBufferAllocateInfo {
    s_type: u32,
    p_next: *const c_void,
    pool: Nd,
    level: u32,
    count: u32,
}

#[repr(C)]
struct CommandBufferBeginInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    inheritance: *const c_void,
}

#[repr(C)]
struct MemoryBarrier {
    s_type: u32,
    p_next: *const c_void,
    src: u32,
    dst: u32,
}

#[repr(C)]
struct FenceCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
}

#[repr(C)]
struct SubmitInfo {
    s_type: u32,
    p_next: *const c_void,
    wait_count: u32,
    wait_semaphores: *const Nd,
    wait_stages: *const u32,
    cmd_count: u32,
    cmds: *const Handle,
    signal_count: u32,
    signal_semaphores: *const Nd,
}

#[repr(C)]
struct BufferCopy {
    src: u64,
    dst: u64,
    size: u64,
}

#[repr(C)]
struct QueryPoolCreateInfo {
    s_type: u32,
    p_next: *const c_void,
    flags: u32,
    kind: u32,
    count: u32,
    statistics: u32,
}

#[repr(C)]
struct ExtensionProperties {
    name: [c_char; 256],
    version: u32,
}

#[repr(C)]
struct Features2 {
    s_type: u32,
    p_next: *mut c_void,
    features: [u32; 55],
}

/// VkPhysicalDevice16BitStorageFeatures, 8BitStorageFeatures and
/// ShaderFloat16Int8Features: VkBool32s after the header (at most 4).
#[repr(C)]
struct BoolFeatures {
    s_type: u32,
    p_next: *mut c_void,
    v: [u32; 4],
}

#[repr(C)]
struct FmaFeatures {
    s_type: u32,
    p_next: *mut c_void,
    f16: u32,
    f32: u32,
    f64: u32,
}

// ---- entry points ----

type Alloc = *const c_void;

/// A table of entry points, each loaded by its Vulkan name.
macro_rules! entry_points {
    ($table:ident { $($name:ident: fn($($arg:ty),*) $(-> $ret:ty)?;)* }) => {
        #[allow(non_snake_case)]
        struct $table {
            $($name: unsafe extern "C" fn($($arg),*) $(-> $ret)?,)*
        }

        impl $table {
            fn load(get: &dyn Fn(&str) -> *mut c_void) -> Result<$table, String> {
                Ok($table {
                    $($name: {
                        let p = get(stringify!($name));
                        if p.is_null() {
                            return Err(format!(
                                "vulkan: the driver lacks {}\nFix: update the Vulkan driver \
                                 (apt-get install mesa-vulkan-drivers for lavapipe)",
                                stringify!($name)
                            ));
                        }
                        // SAFETY: the Vulkan entry point has this signature.
                        unsafe { func(p) }
                    },)*
                })
            }
        }
    };
}

entry_points!(Instance {
    vkDestroyInstance: fn(Handle, Alloc);
    vkEnumeratePhysicalDevices: fn(Handle, *mut u32, *mut Handle) -> VkResult;
    vkGetPhysicalDeviceProperties: fn(Handle, *mut PhysicalDeviceProperties);
    vkGetPhysicalDeviceQueueFamilyProperties: fn(Handle, *mut u32, *mut QueueFamilyProperties);
    vkGetPhysicalDeviceMemoryProperties: fn(Handle, *mut MemoryProperties);
    vkCreateDevice: fn(Handle, *const DeviceCreateInfo, Alloc, *mut Handle) -> VkResult;
    vkGetDeviceProcAddr: fn(Handle, *const c_char) -> PFN;
    vkGetPhysicalDeviceFeatures2: fn(Handle, *mut Features2);
    vkEnumerateDeviceExtensionProperties: fn(Handle, *const c_char, *mut u32, *mut ExtensionProperties) -> VkResult;
});

entry_points!(Device {
    vkDestroyDevice: fn(Handle, Alloc);
    vkGetDeviceQueue: fn(Handle, u32, u32, *mut Handle);
    vkDeviceWaitIdle: fn(Handle) -> VkResult;
    vkCreateBuffer: fn(Handle, *const BufferCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyBuffer: fn(Handle, Nd, Alloc);
    vkGetBufferMemoryRequirements: fn(Handle, Nd, *mut MemoryRequirements);
    vkAllocateMemory: fn(Handle, *const MemoryAllocateInfo, Alloc, *mut Nd) -> VkResult;
    vkFreeMemory: fn(Handle, Nd, Alloc);
    vkBindBufferMemory: fn(Handle, Nd, Nd, u64) -> VkResult;
    vkMapMemory: fn(Handle, Nd, u64, u64, u32, *mut *mut c_void) -> VkResult;
    vkCreateShaderModule: fn(Handle, *const ShaderModuleCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyShaderModule: fn(Handle, Nd, Alloc);
    vkCreateDescriptorSetLayout: fn(Handle, *const DescriptorSetLayoutCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyDescriptorSetLayout: fn(Handle, Nd, Alloc);
    vkCreatePipelineLayout: fn(Handle, *const PipelineLayoutCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyPipelineLayout: fn(Handle, Nd, Alloc);
    vkCreateComputePipelines: fn(Handle, Nd, u32, *const ComputePipelineCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyPipeline: fn(Handle, Nd, Alloc);
    vkCreateDescriptorPool: fn(Handle, *const DescriptorPoolCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyDescriptorPool: fn(Handle, Nd, Alloc);
    vkAllocateDescriptorSets: fn(Handle, *const DescriptorSetAllocateInfo, *mut Nd) -> VkResult;
    vkUpdateDescriptorSets: fn(Handle, u32, *const WriteDescriptorSet, u32, *const c_void);
    vkCreateCommandPool: fn(Handle, *const CommandPoolCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyCommandPool: fn(Handle, Nd, Alloc);
    vkAllocateCommandBuffers: fn(Handle, *const CommandBufferAllocateInfo, *mut Handle) -> VkResult;
    vkBeginCommandBuffer: fn(Handle, *const CommandBufferBeginInfo) -> VkResult;
    vkEndCommandBuffer: fn(Handle) -> VkResult;
    vkCmdBindPipeline: fn(Handle, u32, Nd);
    vkCmdBindDescriptorSets: fn(Handle, u32, Nd, u32, u32, *const Nd, u32, *const u32);
    vkCmdPushConstants: fn(Handle, Nd, u32, u32, u32, *const c_void);
    vkCmdDispatch: fn(Handle, u32, u32, u32);
    vkCmdPipelineBarrier: fn(Handle, u32, u32, u32, u32, *const MemoryBarrier, u32, *const c_void, u32, *const c_void);
    vkCreateFence: fn(Handle, *const FenceCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyFence: fn(Handle, Nd, Alloc);
    vkResetFences: fn(Handle, u32, *const Nd) -> VkResult;
    vkWaitForFences: fn(Handle, u32, *const Nd, u32, u64) -> VkResult;
    vkQueueSubmit: fn(Handle, u32, *const SubmitInfo, Nd) -> VkResult;
    vkGetFenceStatus: fn(Handle, Nd) -> VkResult;
    vkCmdDispatchBase: fn(Handle, u32, u32, u32, u32, u32, u32);
    vkResetCommandBuffer: fn(Handle, u32) -> VkResult;
    vkCmdCopyBuffer: fn(Handle, Nd, Nd, u32, *const BufferCopy);
    vkCreateQueryPool: fn(Handle, *const QueryPoolCreateInfo, Alloc, *mut Nd) -> VkResult;
    vkDestroyQueryPool: fn(Handle, Nd, Alloc);
    vkCmdResetQueryPool: fn(Handle, Nd, u32, u32);
    vkCmdWriteTimestamp: fn(Handle, u32, Nd, u32);
    vkGetQueryPoolResults: fn(Handle, Nd, u32, u32, usize, *mut c_void, u64, u32) -> VkResult;
});

type CreateInstance = unsafe extern "C" fn(*const InstanceCreateInfo, Alloc, *mut Handle) -> VkResult;
type GetInstanceProcAddr = unsafe extern "C" fn(Handle, *const c_char) -> PFN;

// ---- errors ----

fn result_name(r: VkResult) -> String {
    let name = match r {
        1 => "VK_NOT_READY",
        2 => "VK_TIMEOUT",
        -1 => "VK_ERROR_OUT_OF_HOST_MEMORY",
        -2 => "VK_ERROR_OUT_OF_DEVICE_MEMORY",
        -3 => "VK_ERROR_INITIALIZATION_FAILED",
        -4 => "VK_ERROR_DEVICE_LOST",
        -5 => "VK_ERROR_MEMORY_MAP_FAILED",
        -6 => "VK_ERROR_LAYER_NOT_PRESENT",
        -7 => "VK_ERROR_EXTENSION_NOT_PRESENT",
        -8 => "VK_ERROR_FEATURE_NOT_PRESENT",
        -9 => "VK_ERROR_INCOMPATIBLE_DRIVER",
        -10 => "VK_ERROR_TOO_MANY_OBJECTS",
        -13 => "VK_ERROR_UNKNOWN",
        -1000069000 => "VK_ERROR_OUT_OF_POOL_MEMORY",
        _ => return format!("VkResult {r}"),
    };
    name.into()
}

fn result_fix(r: VkResult) -> &'static str {
    match r {
        -9 | -3 => {
            "install a Vulkan 1.1 driver (apt-get install mesa-vulkan-drivers for the CPU \
             driver lavapipe) and check `vulkaninfo --summary`"
        }
        -1 | -2 | -10 | -1000069000 => "use smaller buffers (smaller --param values) or free memory on the device",
        -4 => {
            "the driver lost the device (a kernel that runs too long or reads out of bounds \
             can do this); check the program with `vyrec run --backend reference --strict`"
        }
        _ => "update the Vulkan driver, or try another --device",
    }
}

fn check(call: &str, r: VkResult) -> Result<(), String> {
    if r == VK_SUCCESS {
        return Ok(());
    }
    Err(format!("vulkan: {call} failed: {}\nFix: {}", result_name(r), result_fix(r)))
}

fn device_score(kind: u32) -> i32 {
    match kind {
        2 => 4, // discrete
        1 => 3, // integrated
        3 => 2, // virtual
        4 => 1, // cpu
        _ => 0,
    }
}

// ---- the device ----

/// A storage buffer in device-local memory; map is its own mapping or
/// (staging) that of its host-visible twin stage.
struct Slot {
    buf: Nd,
    mem: Nd,
    stage: Nd,
    smem: Nd,
    map: *mut u8,
    /// This run's size (the descriptor's range); cap: the allocation's.
    bytes: usize,
    cap: usize,
    /// staging: the twin is newer than the device buffer (an upload not
    /// yet copied in), or older (a dispatch wrote the device buffer)
    pending: bool,
    stale: bool,
}

impl Slot {
    /// No buffer yet.
    fn empty() -> Slot {
        Slot { buf: 0, mem: 0, stage: 0, smem: 0, map: null_mut(), bytes: 0, cap: 0, pending: false, stale: false }
    }
}

/// What --bench measured: per dispatch the kernel alone on the device's
/// timer and submit to finish on the host, then back-to-back dispatches.
pub struct Bench {
    pub gpu_ms: Vec<f64>,
    pub wall_ms: Vec<f64>,
    pub loop_us: f64,
    pub timer: String,
}

pub struct Gpu {
    _lib: Lib,
    vki: Instance,
    vkd: Option<Device>,
    inst: Handle,
    phys: Handle,
    props: PhysicalDeviceProperties,
    family: u32,
    dev: Handle,
    queue: Handle,
    slots: Vec<Slot>,
    module: Nd,
    dsl: Nd,
    layout: Nd,
    pipeline: Nd,
    pipeline_base: Nd,   // DISPATCH_BASE, made when a grid splits
    parts: Vec<Nd>,      // a pipeline's parts (SPEC §10.5), made on first use
    parts_base: Vec<Nd>, // and their DISPATCH_BASE twins
    dpool: Nd,
    set: Nd,
    /// staging: the set of the staging twins, which a small run binds (no
    /// copies: the kernel on host memory); host: cmd records that way
    hset: Nd,
    host: bool,
    /// VYREC_VK_SMALL: a run binds hset when every buffer is at most this
    small: usize,
    cpool: Nd,
    cmd: Handle,
    xcmd: Handle,              // a download's copy (staging)
    rec_key: Option<Vec<u32>>, // what cmd holds, when it holds a run
    set_dirty: bool,
    fence: Nd,
    qpool: Nd,
    ts_bits: u32,
    staging: bool,
    float64: bool,
    /// the DEVICE_NEEDS features enabled (the program's types need them)
    needs: u32,
    fma: &'static str,
    name: String,
}

fn open_loader() -> Result<(Lib, GetInstanceProcAddr), String> {
    let lib = Lib::open("libvulkan.so.1").map_err(|e| {
        format!(
            "vulkan: libvulkan.so.1 not found (dlopen: {e})\nFix: install the Vulkan loader \
             and a driver (apt-get install libvulkan1 mesa-vulkan-drivers for the CPU driver lavapipe)"
        )
    })?;
    let p = lib.sym("vkGetInstanceProcAddr");
    if p.is_null() {
        return Err("vulkan: libvulkan.so.1 has no vkGetInstanceProcAddr\n\
                    Fix: reinstall the Vulkan loader (apt-get install --reinstall libvulkan1)"
            .into());
    }
    // SAFETY: vkGetInstanceProcAddr has this signature.
    Ok((lib, unsafe { func(p) }))
}

fn proc_addr(gipa: GetInstanceProcAddr, inst: Handle, name: &str) -> *mut c_void {
    let c = match std::ffi::CString::new(name) {
        Ok(c) => c,
        Err(_) => return null_mut(),
    };
    // SAFETY: gipa is the loader's vkGetInstanceProcAddr; c is NUL-terminated.
    match unsafe { gipa(inst, c.as_ptr()) } {
        Some(f) => f as *mut c_void,
        None => null_mut(),
    }
}

fn create_instance(gipa: GetInstanceProcAddr) -> Result<Handle, String> {
    let p = proc_addr(gipa, null_mut(), "vkCreateInstance");
    if p.is_null() {
        return Err("vulkan: the loader lacks vkCreateInstance\n\
                    Fix: reinstall the Vulkan loader (apt-get install --reinstall libvulkan1)"
            .into());
    }
    // SAFETY: vkCreateInstance has this signature.
    let create: CreateInstance = unsafe { func(p) };
    let app = ApplicationInfo {
        s_type: ST_APPLICATION_INFO,
        p_next: null(),
        app_name: b"vyrec launcher\0".as_ptr() as *const c_char,
        app_version: 0,
        engine_name: b"vyrec\0".as_ptr() as *const c_char,
        engine_version: 0,
        api_version: API_1_1,
    };
    let ci = InstanceCreateInfo {
        s_type: ST_INSTANCE_CREATE_INFO,
        p_next: null(),
        flags: 0,
        app_info: &app,
        layer_count: 0,
        layers: null(),
        extension_count: 0,
        extensions: null(),
    };
    let mut inst = null_mut();
    // SAFETY: ci and everything it points to outlive the call.
    check("vkCreateInstance", unsafe { create(&ci, null(), &mut inst) })?;
    Ok(inst)
}

impl Gpu {
    /// Open the driver and set up device N (or the best one).
    pub fn new(device: Option<u32>) -> Result<Gpu, String> {
        let (lib, gipa) = open_loader()?;
        let inst = create_instance(gipa)?;
        let vki = match Instance::load(&|n| proc_addr(gipa, inst, n)) {
            Ok(v) => v,
            Err(e) => return Err(e),
        };
        // SAFETY: a zeroed properties struct is plain data.
        let props = unsafe { std::mem::zeroed() };
        let mut g = Gpu {
            _lib: lib,
            vki,
            vkd: None,
            inst,
            phys: null_mut(),
            props,
            family: 0,
            dev: null_mut(),
            queue: null_mut(),
            slots: Vec::new(),
            module: 0,
            dsl: 0,
            layout: 0,
            pipeline: 0,
            pipeline_base: 0,
            parts: Vec::new(),
            parts_base: Vec::new(),
            dpool: 0,
            set: 0,
            hset: 0,
            host: false,
            small: 65536,
            cpool: 0,
            cmd: null_mut(),
            xcmd: null_mut(),
            rec_key: None,
            set_dirty: true,
            fence: 0,
            qpool: 0,
            ts_bits: 0,
            staging: false,
            float64: false,
            needs: 0,
            fma: "emulate",
            name: String::new(),
        };
        g.pick(device)?;
        g.choose()?;
        g.create_device()?;
        g.create_pipeline()?;
        g.create_commands()?;
        Ok(g)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first queue family of pd with compute.
    fn compute_family(&self, pd: Handle) -> Option<u32> {
        let mut n = 0u32;
        // SAFETY: pd is a physical device of this instance; the array has n entries.
        unsafe { (self.vki.vkGetPhysicalDeviceQueueFamilyProperties)(pd, &mut n, null_mut()) };
        let mut q =
            vec![QueueFamilyProperties { flags: 0, count: 0, timestamp_bits: 0, granularity: [0; 3] }; n as usize];
        // SAFETY: as above.
        unsafe { (self.vki.vkGetPhysicalDeviceQueueFamilyProperties)(pd, &mut n, q.as_mut_ptr()) };
        q.iter().take(n as usize).position(|f| f.flags & QUEUE_COMPUTE_BIT != 0 && f.count > 0).map(|i| i as u32)
    }

    /// The timestampValidBits of pd's queue family.
    fn timestamp_bits(&self, pd: Handle, family: u32) -> u32 {
        let mut n = 0u32;
        // SAFETY: as in compute_family.
        unsafe { (self.vki.vkGetPhysicalDeviceQueueFamilyProperties)(pd, &mut n, null_mut()) };
        let mut q =
            vec![QueueFamilyProperties { flags: 0, count: 0, timestamp_bits: 0, granularity: [0; 3] }; n as usize];
        // SAFETY: as above.
        unsafe { (self.vki.vkGetPhysicalDeviceQueueFamilyProperties)(pd, &mut n, q.as_mut_ptr()) };
        q.get(family as usize).map_or(0, |f| f.timestamp_bits)
    }

    fn has_extension(&self, name: &CStr) -> bool {
        let mut n = 0u32;
        // SAFETY: phys is live; the second call fills n entries.
        if unsafe { (self.vki.vkEnumerateDeviceExtensionProperties)(self.phys, null(), &mut n, null_mut()) }
            != VK_SUCCESS
        {
            return false;
        }
        let mut v: Vec<ExtensionProperties> =
            (0..n).map(|_| ExtensionProperties { name: [0; 256], version: 0 }).collect();
        // SAFETY: v has room for n entries.
        let r = unsafe { (self.vki.vkEnumerateDeviceExtensionProperties)(self.phys, null(), &mut n, v.as_mut_ptr()) };
        // SAFETY: each name is NUL-terminated within its 256 chars.
        (r == VK_SUCCESS || r == VK_INCOMPLETE)
            && v.iter().take(n as usize).any(|e| unsafe { CStr::from_ptr(e.name.as_ptr()) } == name)
    }

    /// The exact fma the device runs fastest (khr, f64, emulate), the
    /// memory scheme and the timestamps; VYREC_VK_FMA and VYREC_VK_MEMORY
    /// force the first two.
    fn choose(&mut self) -> Result<(), String> {
        let ext = CStr::from_bytes_with_nul(KHR_SHADER_FMA).map_or(false, |n| self.has_extension(n));
        let mut ff = FmaFeatures { s_type: ST_SHADER_FMA_FEATURES, p_next: null_mut(), f16: 0, f32: 0, f64: 0 };
        let mut f2 = Features2 { s_type: ST_PHYSICAL_DEVICE_FEATURES_2, p_next: null_mut(), features: [0; 55] };
        if ext {
            f2.p_next = &mut ff as *mut FmaFeatures as *mut c_void;
        }
        // SAFETY: f2 and its chain outlive the call.
        unsafe { (self.vki.vkGetPhysicalDeviceFeatures2)(self.phys, &mut f2) };
        let khr = ext && ff.f32 != 0;
        self.float64 = f2.features[FEATURE_SHADER_FLOAT64] != 0;
        self.check_needs(&f2)?;
        self.fma = if khr {
            "khr"
        } else if self.float64 {
            "f64"
        } else {
            "emulate"
        };
        if let Ok(f) = std::env::var("VYREC_VK_FMA") {
            self.fma = match f.as_str() {
                "" => self.fma,
                "emulate" => "emulate",
                "f64" if self.float64 => "f64",
                "khr" if khr => "khr",
                _ => {
                    return Err(format!(
                        "vulkan: VYREC_VK_FMA={f} is not a mode this device supports\n\
                         Fix: set VYREC_VK_FMA to emulate, or to f64 or khr where the device has them, or unset it"
                    ))
                }
            };
        }
        // SAFETY: zeroed plain data, filled by the driver.
        let mut mp: MemoryProperties = unsafe { std::mem::zeroed() };
        // SAFETY: phys is a physical device of this instance.
        unsafe { (self.vki.vkGetPhysicalDeviceMemoryProperties)(self.phys, &mut mp) };
        let want = MEMORY_DEVICE_LOCAL | MEMORY_HOST_VISIBLE | MEMORY_HOST_COHERENT;
        let types = &mp.types[..mp.type_count.min(32) as usize];
        let direct_ok = types.iter().any(|t| t.flags & want == want);
        self.staging = !types.iter().any(|t| t.flags & want == want && t.flags & MEMORY_HOST_CACHED != 0);
        if let Ok(m) = std::env::var("VYREC_VK_MEMORY") {
            match m.as_str() {
                "" => {}
                "staging" => self.staging = true,
                "direct" if direct_ok => self.staging = false,
                _ => {
                    return Err(format!(
                        "vulkan: VYREC_VK_MEMORY={m} is not a mode this device supports\n\
                         Fix: set VYREC_VK_MEMORY to staging (or direct where device memory is host-visible), or unset it"
                    ))
                }
            }
        }
        if let Ok(v) = std::env::var("VYREC_VK_SMALL") {
            if !v.is_empty() {
                self.small = v.parse().map_err(|_| {
                    format!(
                        "vulkan: VYREC_VK_SMALL={v} is not a number of bytes
                         Fix: set VYREC_VK_SMALL to a number of bytes (0: always copy), or unset it"
                    )
                })?;
            }
        }
        let period = f32::from_bits(self.props.limits.g[LIMITS_G_TIMESTAMP_PERIOD]);
        self.ts_bits = if period > 0.0 { self.timestamp_bits(self.phys, self.family) } else { 0 };
        Ok(())
    }

    /// The device features the program's types need (program::DEVICE_NEEDS,
    /// SPEC §10.1): enabled when the device has them, else an error naming
    /// the one missing (VYREC_VK_DISABLE=FEATURE[,FEATURE] pretends the
    /// device lacks them, as vyrec's vulkan backend reads it).
    fn check_needs(&mut self, f2: &Features2) -> Result<(), String> {
        let want = program::DEVICE_NEEDS;
        let ext8 = CStr::from_bytes_with_nul(KHR_8BIT_STORAGE).map_or(false, |n| self.has_extension(n));
        let ext16 = CStr::from_bytes_with_nul(KHR_FLOAT16_INT8).map_or(false, |n| self.has_extension(n));
        let mut fh = BoolFeatures { s_type: ST_FLOAT16_INT8_FEATURES, p_next: null_mut(), v: [0; 4] };
        let mut f8 = BoolFeatures { s_type: ST_8BIT_STORAGE_FEATURES, p_next: null_mut(), v: [0; 4] };
        let mut f16 = BoolFeatures { s_type: ST_16BIT_STORAGE_FEATURES, p_next: null_mut(), v: [0; 4] };
        if ext8 {
            f16.p_next = &mut f8 as *mut BoolFeatures as *mut c_void;
        }
        if ext16 {
            fh.p_next = f16.p_next;
            f16.p_next = &mut fh as *mut BoolFeatures as *mut c_void;
        }
        let mut q = Features2 {
            s_type: ST_PHYSICAL_DEVICE_FEATURES_2,
            p_next: &mut f16 as *mut BoolFeatures as *mut c_void,
            features: [0; 55],
        };
        if want & (NEED_S8 | NEED_S16 | NEED_F16) != 0 {
            // SAFETY: q and its chain outlive the call.
            unsafe { (self.vki.vkGetPhysicalDeviceFeatures2)(self.phys, &mut q) };
        }
        let off = std::env::var("VYREC_VK_DISABLE").unwrap_or_default();
        let on = |has: bool, name: &str| has && !off.split(',').any(|f| f == name);
        let rows = [
            (NEED_F64, on(f2.features[FEATURE_SHADER_FLOAT64] != 0, "shaderFloat64"), "shaderFloat64", "f64 values"),
            (
                NEED_I64,
                on(f2.features[FEATURE_SHADER_INT64] != 0, "shaderInt64"),
                "shaderInt64",
                "64-bit integer values",
            ),
            (NEED_S8, on(ext8 && f8.v[0] != 0, "storageBuffer8BitAccess"), "storageBuffer8BitAccess", "u8/i8 buffers"),
            (
                NEED_S16,
                on(f16.v[0] != 0, "storageBuffer16BitAccess"),
                "storageBuffer16BitAccess",
                "u16/i16/bf16/f16 buffers",
            ),
            (NEED_F16, on(ext16 && fh.v[0] != 0, "shaderFloat16"), "shaderFloat16", "f16 values"),
        ];
        for (need, has, name, what) in rows {
            if want & need != 0 && !has {
                return Err(format!(
                    "vulkan: device `{}` lacks {name}, which the program's {what} need\n\
                     Fix: run on a device that has it (vyrec backends lists them), or build the launcher for \
                     another target (-t ptx or -t reference)",
                    self.name
                ));
            }
        }
        self.needs = want;
        Ok(())
    }

    fn properties(&self, pd: Handle) -> PhysicalDeviceProperties {
        // SAFETY: zeroed plain data, filled by the driver.
        let mut p: PhysicalDeviceProperties = unsafe { std::mem::zeroed() };
        // SAFETY: pd is a physical device of this instance.
        unsafe { (self.vki.vkGetPhysicalDeviceProperties)(pd, &mut p) };
        p
    }

    fn pick(&mut self, device: Option<u32>) -> Result<(), String> {
        let mut n = 0u32;
        // SAFETY: inst is live; the second call fills n handles.
        check("vkEnumeratePhysicalDevices", unsafe {
            (self.vki.vkEnumeratePhysicalDevices)(self.inst, &mut n, null_mut())
        })?;
        if n == 0 {
            return Err(format!("vulkan: no Vulkan devices found\nFix: {}", result_fix(-9)));
        }
        let mut pds = vec![null_mut(); n as usize];
        // SAFETY: pds has room for n handles.
        let r = unsafe { (self.vki.vkEnumeratePhysicalDevices)(self.inst, &mut n, pds.as_mut_ptr()) };
        if r != VK_INCOMPLETE {
            check("vkEnumeratePhysicalDevices", r)?;
        }
        if let Some(d) = device {
            if d >= n {
                return Err(format!(
                    "vulkan: device {d} does not exist ({n} Vulkan device{})\n\
                     Fix: pick --device 0..{} (see `vulkaninfo --summary`)",
                    if n == 1 { "" } else { "s" },
                    n - 1
                ));
            }
        }
        let mut best: Option<(usize, i32)> = None;
        for (i, &pd) in pds.iter().enumerate().take(n as usize) {
            if device.map_or(false, |d| d as usize != i) || self.compute_family(pd).is_none() {
                continue;
            }
            let score = device_score(self.properties(pd).device_type);
            if best.map_or(true, |(_, s)| score > s) {
                best = Some((i, score));
            }
        }
        let i = match best {
            Some((i, _)) => i,
            _ => {
                return Err(format!("vulkan: no Vulkan device with a compute queue\nFix: {}", result_fix(-9)));
            }
        };
        self.phys = pds[i];
        self.family = self.compute_family(self.phys).unwrap_or(0);
        self.props = self.properties(self.phys);
        // SAFETY: device_name is NUL-terminated within its 256 chars.
        self.name = unsafe { CStr::from_ptr(self.props.device_name.as_ptr()) }.to_string_lossy().into_owned();
        if self.props.api_version < API_1_1 {
            return Err(format!(
                "vulkan: device `{}` supports Vulkan 1.0 only; the kernel needs Vulkan 1.1\n\
                 Fix: update the Vulkan driver or pick another --device",
                self.name
            ));
        }
        Ok(())
    }

    fn create_device(&mut self) -> Result<(), String> {
        let prio = 1.0f32;
        let khr = self.fma == "khr";
        let mut exts: Vec<*const c_char> = Vec::new();
        let mut ff = FmaFeatures { s_type: ST_SHADER_FMA_FEATURES, p_next: null_mut(), f16: 0, f32: 1, f64: 0 };
        let mut features = [0u32; 55];
        features[FEATURE_SHADER_FLOAT64] = self.float64 as u32;
        features[FEATURE_SHADER_INT64] = (self.needs & NEED_I64 != 0) as u32;
        // the storage and f16 features the program needs (check_needs)
        let on = |b: u32| (self.needs & b != 0) as u32;
        let mut fh = BoolFeatures { s_type: ST_FLOAT16_INT8_FEATURES, p_next: null_mut(), v: [on(NEED_F16), 0, 0, 0] };
        let mut f8 = BoolFeatures { s_type: ST_8BIT_STORAGE_FEATURES, p_next: null_mut(), v: [on(NEED_S8), 0, 0, 0] };
        let mut f16 =
            BoolFeatures { s_type: ST_16BIT_STORAGE_FEATURES, p_next: null_mut(), v: [on(NEED_S16), 0, 0, 0] };
        let mut chain: *mut c_void = null_mut();
        if self.needs & NEED_S8 != 0 {
            exts.push(KHR_8BIT_STORAGE.as_ptr() as *const c_char);
            f8.p_next = chain;
            chain = &mut f8 as *mut BoolFeatures as *mut c_void;
        }
        if self.needs & NEED_F16 != 0 {
            exts.push(KHR_FLOAT16_INT8.as_ptr() as *const c_char);
            fh.p_next = chain;
            chain = &mut fh as *mut BoolFeatures as *mut c_void;
        }
        if self.needs & (NEED_S8 | NEED_S16 | NEED_F16) != 0 {
            f16.p_next = chain;
            chain = &mut f16 as *mut BoolFeatures as *mut c_void;
        }
        if khr {
            exts.push(KHR_SHADER_FMA.as_ptr() as *const c_char);
            ff.p_next = chain;
            chain = &mut ff as *mut FmaFeatures as *mut c_void;
        }
        let qi = DeviceQueueCreateInfo {
            s_type: ST_DEVICE_QUEUE_CREATE_INFO,
            p_next: null(),
            flags: 0,
            family: self.family,
            count: 1,
            priorities: &prio,
        };
        let di = DeviceCreateInfo {
            s_type: ST_DEVICE_CREATE_INFO,
            p_next: chain as *const c_void,
            flags: 0,
            queue_info_count: 1,
            queue_infos: &qi,
            layer_count: 0,
            layers: null(),
            extension_count: exts.len() as u32,
            extensions: exts.as_ptr(),
            features: features.as_ptr() as *const c_void,
        };
        // SAFETY: di and what it points to outlive the call.
        check("vkCreateDevice", unsafe { (self.vki.vkCreateDevice)(self.phys, &di, null(), &mut self.dev) })?;
        let gdpa = self.vki.vkGetDeviceProcAddr;
        let dev = self.dev;
        let vkd = Device::load(&|n| {
            let c = match std::ffi::CString::new(n) {
                Ok(c) => c,
                Err(_) => return null_mut(),
            };
            // SAFETY: dev is live; c is NUL-terminated.
            match unsafe { gdpa(dev, c.as_ptr()) } {
                Some(f) => f as *mut c_void,
                None => null_mut(),
            }
        })?;
        // SAFETY: the device has queue 0 of family.
        unsafe { (vkd.vkGetDeviceQueue)(self.dev, self.family, 0, &mut self.queue) };
        self.vkd = Some(vkd);
        Ok(())
    }

    fn check_limits(&self, grid: [u32; 3]) -> Result<(), String> {
        let l = &self.props.limits;
        let inv: u32 = WORKGROUP.iter().product();
        for ax in 0..3 {
            if WORKGROUP[ax] > l.max_work_group_size[ax] || inv > l.max_work_group_invocations {
                return Err(format!(
                    "vulkan: workgroup_size {}x{}x{} exceeds device `{}` limits ({} invocations, \
                     axis {ax} at most {})\nFix: use a smaller workgroup_size in the program",
                    WORKGROUP[0],
                    WORKGROUP[1],
                    WORKGROUP[2],
                    self.name,
                    l.max_work_group_invocations,
                    l.max_work_group_size[ax]
                ));
            }
            if grid[ax] > l.max_work_group_count[ax] && READS_NWG {
                return Err(format!(
                    "vulkan: grid axis {ax} needs {} workgroups; device `{}` allows {} in one dispatch, \
                     and the kernel reads nwg, which splitting the grid would change\n\
                     Fix: use smaller --param values, or compute the grid size from params instead of nwg",
                    grid[ax], self.name, l.max_work_group_count[ax]
                ));
            }
        }
        if program::PARAM_BYTES > l.max_push_constants_size as usize {
            return Err(format!(
                "vulkan: {} params need {} bytes of push constants; device `{}` has {}\n\
                 Fix: pass fewer params",
                PARAMS.len(),
                program::PARAM_BYTES,
                self.name,
                l.max_push_constants_size
            ));
        }
        Ok(())
    }

    /// The first memory type in bits with every property of one of want,
    /// in order.
    fn memory_type(&self, bits: u32, want: &[u32]) -> Option<u32> {
        // SAFETY: zeroed plain data, filled by the driver.
        let mut mp: MemoryProperties = unsafe { std::mem::zeroed() };
        // SAFETY: phys is a physical device of this instance.
        unsafe { (self.vki.vkGetPhysicalDeviceMemoryProperties)(self.phys, &mut mp) };
        for &w in want {
            for i in 0..mp.type_count.min(32) {
                if bits & (1 << i) != 0 && mp.types[i as usize].flags & w == w {
                    return Some(i);
                }
            }
        }
        None
    }

    /// One buffer of bytes bytes in memory of the first of want it allows;
    /// (buffer, memory, mapping or null).
    fn make_buffer(&self, bytes: usize, usage: u32, want: &[u32], map: bool) -> Result<(Nd, Nd, *mut u8), String> {
        let d = self.vkd.as_ref().expect(LOADED);
        let bi = BufferCreateInfo {
            s_type: ST_BUFFER_CREATE_INFO,
            p_next: null(),
            flags: 0,
            size: bytes as u64,
            usage,
            sharing: 0,
            family_count: 0,
            families: null(),
        };
        let mut buf = 0;
        // SAFETY: bi outlives the call.
        check("vkCreateBuffer", unsafe { (d.vkCreateBuffer)(self.dev, &bi, null(), &mut buf) })?;
        let mut req = MemoryRequirements::default();
        // SAFETY: buf is a live buffer of this device.
        unsafe { (d.vkGetBufferMemoryRequirements)(self.dev, buf, &mut req) };
        let fail = |msg: String| {
            // SAFETY: the buffer is unused.
            unsafe { (d.vkDestroyBuffer)(self.dev, buf, null()) };
            Err(msg)
        };
        let mt = match self.memory_type(req.type_bits, want) {
            Some(mt) => mt,
            None => {
                return fail(format!(
                    "vulkan: device `{}` has no {} memory for storage buffers\nFix: pick another --device",
                    self.name,
                    if map { "host-visible coherent" } else { "device-local" }
                ))
            }
        };
        let ai = MemoryAllocateInfo { s_type: ST_MEMORY_ALLOCATE_INFO, p_next: null(), size: req.size, type_index: mt };
        let mut mem = 0;
        // SAFETY: ai outlives the call.
        if let Err(e) = check("vkAllocateMemory", unsafe { (d.vkAllocateMemory)(self.dev, &ai, null(), &mut mem) }) {
            return fail(e);
        }
        let mut p = null_mut();
        // SAFETY: buffer and memory are live and unbound; the memory is
        // host-visible when map is set.
        let r = check("vkBindBufferMemory", unsafe { (d.vkBindBufferMemory)(self.dev, buf, mem, 0) }).and_then(|_| {
            if map {
                check("vkMapMemory", unsafe { (d.vkMapMemory)(self.dev, mem, 0, WHOLE_SIZE, 0, &mut p) })
            } else {
                Ok(())
            }
        });
        if let Err(e) = r {
            // SAFETY: the memory is unused.
            unsafe { (d.vkFreeMemory)(self.dev, mem, null()) };
            return fail(e);
        }
        Ok((buf, mem, p as *mut u8))
    }

    /// One storage buffer of exactly bytes bytes in device-local memory,
    /// mapped directly or through a staging twin.
    fn make_slot(&mut self, name: &str, bytes: usize) -> Result<Slot, String> {
        if bytes == 0 {
            return Err(format!(
                "vulkan: buffer `{name}` has 0 elements; Vulkan cannot bind an empty storage buffer\n\
                 Fix: give params that make it at least one element"
            ));
        }
        if bytes as u64 > self.props.limits.max_storage_buffer_range as u64 {
            return Err(format!(
                "vulkan: buffer `{name}` of {bytes} bytes exceeds device `{}`'s maxStorageBufferRange {}\n\
                 Fix: use smaller --param values",
                self.name, self.props.limits.max_storage_buffer_range
            ));
        }
        let host = MEMORY_HOST_VISIBLE | MEMORY_HOST_COHERENT;
        if !self.staging {
            let (buf, mem, map) = self.make_buffer(
                bytes,
                BUFFER_USAGE_STORAGE_BIT,
                &[MEMORY_DEVICE_LOCAL | host | MEMORY_HOST_CACHED, MEMORY_DEVICE_LOCAL | host],
                true,
            )?;
            return Ok(Slot { map, bytes, cap: bytes, ..Slot { buf, mem, ..Slot::empty() } });
        }
        let (buf, mem, _) = self.make_buffer(
            bytes,
            BUFFER_USAGE_STORAGE_BIT | BUFFER_USAGE_TRANSFER,
            &[MEMORY_DEVICE_LOCAL, 0],
            false,
        )?;
        let mut slot = Slot { bytes, cap: bytes, ..Slot { buf, mem, ..Slot::empty() } };
        let usage = BUFFER_USAGE_TRANSFER | BUFFER_USAGE_STORAGE_BIT;
        match self.make_buffer(bytes, usage, &[host | MEMORY_HOST_CACHED, host], true) {
            Ok((stage, smem, map)) => {
                slot.stage = stage;
                slot.smem = smem;
                slot.map = map;
                Ok(slot)
            }
            Err(e) => {
                self.free_slot(&slot);
                Err(e)
            }
        }
    }

    fn free_slot(&self, s: &Slot) {
        let d = self.vkd.as_ref().expect(LOADED);
        // SAFETY: the device is idle between runs; each handle is freed once.
        unsafe {
            for (b, m) in [(s.buf, s.mem), (s.stage, s.smem)] {
                if b != 0 {
                    (d.vkDestroyBuffer)(self.dev, b, null());
                }
                if m != 0 {
                    (d.vkFreeMemory)(self.dev, m, null());
                }
            }
        }
    }

    /// The kernel variant for the device's fma (kernel.spv where the
    /// variant is the same program).
    fn kernel(&self) -> &'static [u8] {
        match self.fma {
            "khr" => KERNEL_KHR,
            "f64" => KERNEL_F64,
            _ => KERNEL,
        }
    }

    fn create_pipeline(&mut self) -> Result<(), String> {
        let words: Vec<u32> =
            self.kernel().chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let d = self.vkd.as_ref().expect(LOADED);
        let mi = ShaderModuleCreateInfo {
            s_type: ST_SHADER_MODULE_CREATE_INFO,
            p_next: null(),
            flags: 0,
            code_size: words.len() * 4,
            code: words.as_ptr(),
        };
        let mut module = 0;
        // SAFETY: mi points at the SPIR-V words, alive for the call.
        check("vkCreateShaderModule", unsafe { (d.vkCreateShaderModule)(self.dev, &mi, null(), &mut module) })?;
        let bindings: Vec<DescriptorSetLayoutBinding> = BUFFERS
            .iter()
            .map(|b| DescriptorSetLayoutBinding {
                binding: b.binding,
                kind: DESCRIPTOR_STORAGE_BUFFER,
                count: 1,
                stages: STAGE_COMPUTE_BIT,
                samplers: null(),
            })
            .collect();
        let li = DescriptorSetLayoutCreateInfo {
            s_type: ST_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
            p_next: null(),
            flags: 0,
            binding_count: bindings.len() as u32,
            bindings: bindings.as_ptr(),
        };
        let mut dsl = 0;
        // SAFETY: li and bindings outlive the call.
        let r = unsafe { (d.vkCreateDescriptorSetLayout)(self.dev, &li, null(), &mut dsl) };
        self.module = module;
        check("vkCreateDescriptorSetLayout", r)?;
        self.dsl = dsl;
        let range = PushConstantRange { stages: STAGE_COMPUTE_BIT, offset: 0, size: program::PARAM_BYTES as u32 };
        let pli = PipelineLayoutCreateInfo {
            s_type: ST_PIPELINE_LAYOUT_CREATE_INFO,
            p_next: null(),
            flags: 0,
            set_layout_count: 1,
            set_layouts: &self.dsl,
            range_count: if PARAMS.is_empty() { 0 } else { 1 },
            ranges: &range,
        };
        let mut layout = 0;
        // SAFETY: pli and what it points to outlive the call.
        check("vkCreatePipelineLayout", unsafe { (d.vkCreatePipelineLayout)(self.dev, &pli, null(), &mut layout) })?;
        self.layout = layout;
        let ci = ComputePipelineCreateInfo {
            s_type: ST_COMPUTE_PIPELINE_CREATE_INFO,
            p_next: null(),
            flags: 0,
            stage: PipelineShaderStageCreateInfo {
                s_type: ST_PIPELINE_SHADER_STAGE_CREATE_INFO,
                p_next: null(),
                flags: 0,
                stage: STAGE_COMPUTE_BIT,
                module: self.module,
                name: ENTRY.as_ptr() as *const c_char,
                specialization: null(),
            },
            layout: self.layout,
            base: 0,
            base_index: -1,
        };
        let mut pipeline = 0;
        // SAFETY: ci outlives the call.
        let r = unsafe { (d.vkCreateComputePipelines)(self.dev, 0, 1, &ci, null(), &mut pipeline) };
        check("vkCreateComputePipelines", r)?;
        self.pipeline = pipeline;
        Ok(())
    }

    /// The DISPATCH_BASE twin of the pipeline, for grids past
    /// maxComputeWorkGroupCount.
    fn create_pipeline_base(&mut self) -> Result<(), String> {
        let d = self.vkd.as_ref().expect(LOADED);
        let ci = ComputePipelineCreateInfo {
            s_type: ST_COMPUTE_PIPELINE_CREATE_INFO,
            p_next: null(),
            flags: PIPELINE_CREATE_DISPATCH_BASE,
            stage: PipelineShaderStageCreateInfo {
                s_type: ST_PIPELINE_SHADER_STAGE_CREATE_INFO,
                p_next: null(),
                flags: 0,
                stage: STAGE_COMPUTE_BIT,
                module: self.module,
                name: ENTRY.as_ptr() as *const c_char,
                specialization: null(),
            },
            layout: self.layout,
            base: 0,
            base_index: -1,
        };
        let mut pipeline = 0;
        // SAFETY: ci outlives the call.
        let r = unsafe { (d.vkCreateComputePipelines)(self.dev, 0, 1, &ci, null(), &mut pipeline) };
        check("vkCreateComputePipelines (DISPATCH_BASE)", r)?;
        self.pipeline_base = pipeline;
        Ok(())
    }

    fn splits(&self, grid: [u32; 3]) -> bool {
        (0..3).any(|a| grid[a] > self.props.limits.max_work_group_count[a])
    }

    /// The dispatch of grid: one vkCmdDispatch, or one vkCmdDispatchBase
    /// per part of at most maxComputeWorkGroupCount (ids stay global).
    fn cmd_grid(&self, grid: [u32; 3]) {
        let d = self.vkd.as_ref().expect(LOADED);
        let m = self.props.limits.max_work_group_count;
        // SAFETY: cmd is recording with the right pipeline bound.
        unsafe {
            if !self.splits(grid) {
                (d.vkCmdDispatch)(self.cmd, grid[0], grid[1], grid[2]);
                return;
            }
            for z in (0..grid[2]).step_by(m[2] as usize) {
                for y in (0..grid[1]).step_by(m[1] as usize) {
                    for x in (0..grid[0]).step_by(m[0] as usize) {
                        (d.vkCmdDispatchBase)(
                            self.cmd,
                            x,
                            y,
                            z,
                            (grid[0] - x).min(m[0]),
                            (grid[1] - y).min(m[1]),
                            (grid[2] - z).min(m[2]),
                        );
                    }
                }
            }
        }
    }

    /// A pool with one set of the program's storage buffers (made once),
    /// pointed at the slots.
    fn update_set(&mut self) -> Result<(), String> {
        if BUFFERS.is_empty() {
            return Ok(());
        }
        let d = self.vkd.as_ref().expect(LOADED);
        if self.dpool == 0 {
            let nsets = if self.staging { 2 } else { 1 };
            let size = DescriptorPoolSize { kind: DESCRIPTOR_STORAGE_BUFFER, count: nsets * BUFFERS.len() as u32 };
            let pi = DescriptorPoolCreateInfo {
                s_type: ST_DESCRIPTOR_POOL_CREATE_INFO,
                p_next: null(),
                flags: 0,
                max_sets: nsets,
                size_count: 1,
                sizes: &size,
            };
            let mut pool = 0;
            // SAFETY: pi outlives the call.
            check("vkCreateDescriptorPool", unsafe { (d.vkCreateDescriptorPool)(self.dev, &pi, null(), &mut pool) })?;
            self.dpool = pool;
            let layouts = [self.dsl, self.dsl];
            let ai = DescriptorSetAllocateInfo {
                s_type: ST_DESCRIPTOR_SET_ALLOCATE_INFO,
                p_next: null(),
                pool,
                count: nsets,
                layouts: layouts.as_ptr(),
            };
            let mut sets = [0; 2];
            // SAFETY: ai and layouts outlive the call; sets holds nsets handles.
            let r = unsafe { (d.vkAllocateDescriptorSets)(self.dev, &ai, sets.as_mut_ptr()) };
            check("vkAllocateDescriptorSets", r)?;
            self.set = sets[0];
            self.hset = sets[1];
        }
        let info = |buffer: Nd, bytes: usize| DescriptorBufferInfo { buffer, offset: 0, range: bytes as u64 };
        let mut infos: Vec<DescriptorBufferInfo> = self.slots.iter().map(|s| info(s.buf, s.bytes)).collect();
        if self.staging {
            infos.extend(self.slots.iter().map(|s| info(s.stage, s.bytes)));
        }
        let sets = [self.set, self.hset];
        let writes: Vec<WriteDescriptorSet> = BUFFERS
            .iter()
            .cycle()
            .zip(&infos)
            .enumerate()
            .map(|(k, (b, info))| WriteDescriptorSet {
                s_type: ST_WRITE_DESCRIPTOR_SET,
                p_next: null(),
                set: sets[k / BUFFERS.len()],
                binding: b.binding,
                array_element: 0,
                count: 1,
                kind: DESCRIPTOR_STORAGE_BUFFER,
                images: null(),
                buffers: info,
                texel_views: null(),
            })
            .collect();
        // SAFETY: writes and infos outlive the call; no command buffer
        // using the set is pending.
        unsafe { (d.vkUpdateDescriptorSets)(self.dev, writes.len() as u32, writes.as_ptr(), 0, null()) };
        Ok(())
    }

    /// Command pool (its buffers re-recordable), one command buffer, a
    /// fence, and a query pool of two timestamps where the queue has them.
    fn create_commands(&mut self) -> Result<(), String> {
        let d = self.vkd.as_ref().expect(LOADED);
        let pi = CommandPoolCreateInfo {
            s_type: ST_COMMAND_POOL_CREATE_INFO,
            p_next: null(),
            flags: COMMAND_POOL_RESET_BUFFER,
            family: self.family,
        };
        let mut cpool = 0;
        // SAFETY: pi outlives the call.
        check("vkCreateCommandPool", unsafe { (d.vkCreateCommandPool)(self.dev, &pi, null(), &mut cpool) })?;
        self.cpool = cpool;
        let ai = CommandBufferAllocateInfo {
            s_type: ST_COMMAND_BUFFER_ALLOCATE_INFO,
            p_next: null(),
            pool: cpool,
            level: 0,
            count: 2,
        };
        let mut cmds = [null_mut(); 2];
        // SAFETY: ai outlives the call; cmds holds two handles.
        check("vkAllocateCommandBuffers", unsafe { (d.vkAllocateCommandBuffers)(self.dev, &ai, cmds.as_mut_ptr()) })?;
        self.cmd = cmds[0];
        self.xcmd = cmds[1];
        let fi = FenceCreateInfo { s_type: ST_FENCE_CREATE_INFO, p_next: null(), flags: 0 };
        let mut fence = 0;
        // SAFETY: fi outlives the call.
        check("vkCreateFence", unsafe { (d.vkCreateFence)(self.dev, &fi, null(), &mut fence) })?;
        self.fence = fence;
        if self.ts_bits > 0 {
            let qi = QueryPoolCreateInfo {
                s_type: ST_QUERY_POOL_CREATE_INFO,
                p_next: null(),
                flags: 0,
                kind: QUERY_TYPE_TIMESTAMP,
                count: 2,
                statistics: 0,
            };
            let mut qpool = 0;
            // SAFETY: qi outlives the call.
            check("vkCreateQueryPool", unsafe { (d.vkCreateQueryPool)(self.dev, &qi, null(), &mut qpool) })?;
            self.qpool = qpool;
        }
        Ok(())
    }

    fn barrier(&self, src: u32, src_access: u32, dst: u32, dst_access: u32) {
        let d = self.vkd.as_ref().expect(LOADED);
        let mb = MemoryBarrier { s_type: ST_MEMORY_BARRIER, p_next: null(), src: src_access, dst: dst_access };
        // SAFETY: cmd is recording; mb outlives the call.
        unsafe { (d.vkCmdPipelineBarrier)(self.cmd, src, dst, 0, 1, &mb, 0, null(), 0, null()) };
    }

    /// Record `times` dispatches with these params: (staging) the pending
    /// twins copied in before, (copy) the writable ones out after, (timed)
    /// timestamps around the dispatch alone. Skipped when cmd already holds
    /// the same recording, so a repeated run is one submit; new params are
    /// a new recording, so the push constants are always the run's own.
    fn record(&mut self, params: &[u32], grid: [u32; 3], copy: bool, timed: bool, times: u32) -> Result<(), String> {
        let mut key: Vec<u32> = params.to_vec();
        key.extend(self.slots.iter().map(|s| s.bytes as u32));
        key.extend(self.slots.iter().map(|s| s.pending as u32));
        key.extend_from_slice(&grid);
        key.extend_from_slice(&[copy as u32, timed as u32, times, self.host as u32]);
        if self.rec_key.as_ref() == Some(&key) {
            return Ok(());
        }
        self.rec_key = None;
        self.record_now(params, grid, copy, timed, times)?;
        self.rec_key = Some(key);
        Ok(())
    }

    fn record_now(&self, params: &[u32], grid: [u32; 3], copy: bool, timed: bool, times: u32) -> Result<(), String> {
        let d = self.vkd.as_ref().expect(LOADED);
        let cmd = self.cmd;
        let cs = PIPELINE_STAGE_COMPUTE_SHADER;
        let srw = ACCESS_SHADER_READ | ACCESS_SHADER_WRITE;
        // SAFETY: cmd is not pending (every submit is waited for); every
        // object it records is live and every pointer outlives its call.
        unsafe {
            begin(d, cmd)?;
            if !self.host && self.slots.iter().any(|s| s.pending) {
                for s in self.slots.iter().filter(|s| s.pending) {
                    let c = BufferCopy { src: 0, dst: 0, size: s.bytes as u64 };
                    (d.vkCmdCopyBuffer)(cmd, s.stage, s.buf, 1, &c);
                }
                self.barrier(PIPELINE_STAGE_TRANSFER, ACCESS_TRANSFER_WRITE, cs, srw);
            }
            self.barrier(cs, ACCESS_SHADER_WRITE, cs, srw); // after the last run
            if timed {
                (d.vkCmdResetQueryPool)(cmd, self.qpool, 0, 2);
                (d.vkCmdWriteTimestamp)(cmd, PIPELINE_STAGE_TOP, self.qpool, 0);
            }
            let pipe = if self.splits(grid) { self.pipeline_base } else { self.pipeline };
            (d.vkCmdBindPipeline)(cmd, BIND_POINT_COMPUTE, pipe);
            if !BUFFERS.is_empty() {
                let set = if self.host { &self.hset } else { &self.set };
                (d.vkCmdBindDescriptorSets)(cmd, BIND_POINT_COMPUTE, self.layout, 0, 1, set, 0, null());
            }
            if !PARAMS.is_empty() {
                let block = program::param_block(params);
                let bytes = block.len() as u32;
                (d.vkCmdPushConstants)(cmd, self.layout, STAGE_COMPUTE_BIT, 0, bytes, block.as_ptr() as *const c_void);
            }
            for i in 0..times {
                if i > 0 {
                    self.barrier(cs, ACCESS_SHADER_WRITE, cs, srw);
                }
                self.cmd_grid(grid);
            }
            if timed {
                (d.vkCmdWriteTimestamp)(cmd, PIPELINE_STAGE_BOTTOM, self.qpool, 1);
            }
            if copy && self.staging && !self.host {
                self.barrier(cs, ACCESS_SHADER_WRITE, PIPELINE_STAGE_TRANSFER, ACCESS_TRANSFER_READ);
                for (b, s) in BUFFERS.iter().zip(&self.slots) {
                    if b.writable() {
                        let c = BufferCopy { src: 0, dst: 0, size: s.bytes as u64 };
                        (d.vkCmdCopyBuffer)(cmd, s.buf, s.stage, 1, &c);
                    }
                }
                self.barrier(PIPELINE_STAGE_TRANSFER, ACCESS_TRANSFER_WRITE, PIPELINE_STAGE_HOST, ACCESS_HOST_READ);
            } else if !self.staging || self.host {
                self.barrier(cs, ACCESS_SHADER_WRITE, PIPELINE_STAGE_HOST, ACCESS_HOST_READ);
            }
            check("vkEndCommandBuffer", (d.vkEndCommandBuffer)(cmd))
        }
    }

    /// Submit the recorded commands and wait (polling the fence for up to
    /// 2 ms before blocking); the wall time in ms.
    fn submit(&self) -> Result<f64, String> {
        self.submit_cmd(self.cmd)
    }

    fn submit_cmd(&self, cmd: Handle) -> Result<f64, String> {
        let d = self.vkd.as_ref().expect(LOADED);
        let si = SubmitInfo {
            s_type: ST_SUBMIT_INFO,
            p_next: null(),
            wait_count: 0,
            wait_semaphores: null(),
            wait_stages: null(),
            cmd_count: 1,
            cmds: &cmd,
            signal_count: 0,
            signal_semaphores: null(),
        };
        let t = Instant::now();
        // SAFETY: si outlives the call; the fence is unsignalled.
        check("vkQueueSubmit", unsafe { (d.vkQueueSubmit)(self.queue, 1, &si, self.fence) })?;
        let r = loop {
            // SAFETY: the fence is live.
            let r = unsafe { (d.vkGetFenceStatus)(self.dev, self.fence) };
            if r != VK_NOT_READY {
                break r;
            }
            if t.elapsed().as_secs_f64() > 2e-3 {
                // SAFETY: the fence is live.
                break unsafe { (d.vkWaitForFences)(self.dev, 1, &self.fence, 1, TIMEOUT_NS) };
            }
        };
        let ms = t.elapsed().as_secs_f64() * 1e3;
        if r == VK_TIMEOUT {
            return Err("vulkan: the dispatch did not finish within 60 s (vkWaitForFences returned VK_TIMEOUT)\n\
                        Fix: use smaller --param values, or check the program's loops with \
                        `vyrec run --backend reference`"
                .into());
        }
        check("vkWaitForFences", r)?;
        // SAFETY: the fence is signalled and no longer in use.
        check("vkResetFences", unsafe { (d.vkResetFences)(self.dev, 1, &self.fence) })?;
        Ok(ms)
    }

    /// The timestamps of the last timed submit, in ms.
    fn timestamps_ms(&self) -> Result<f64, String> {
        let d = self.vkd.as_ref().expect(LOADED);
        let mut ts = [0u64; 2];
        // SAFETY: ts holds two u64 results; the submit is done.
        let r = unsafe {
            (d.vkGetQueryPoolResults)(
                self.dev,
                self.qpool,
                0,
                2,
                16,
                ts.as_mut_ptr() as *mut c_void,
                8,
                QUERY_RESULT_64_WAIT,
            )
        };
        check("vkGetQueryPoolResults", r)?;
        let mask = if self.ts_bits >= 64 { !0u64 } else { (1u64 << self.ts_bits) - 1 };
        let period = f32::from_bits(self.props.limits.g[LIMITS_G_TIMESTAMP_PERIOD]) as f64;
        Ok((ts[1].wrapping_sub(ts[0]) & mask) as f64 * period / 1e6)
    }

    /// Buffer i made (or grown) to hold bytes bytes (count * stride, the
    /// kernel's count of it from now on), filled from data (the device's
    /// layout; zeros where None): into the mapped memory (staging: copied
    /// to the device by the next dispatch).
    pub fn put(&mut self, i: usize, data: Option<&[u8]>, bytes: usize) -> Result<(), String> {
        while self.slots.len() < BUFFERS.len() {
            self.slots.push(Slot::empty());
        }
        if self.slots[i].cap < bytes || bytes == 0 {
            let old = std::mem::replace(&mut self.slots[i], Slot::empty());
            self.free_slot(&old);
            self.rec_key = None; // the recording names the old buffer
            self.set_dirty = true;
            self.slots[i] = self.make_slot(BUFFERS[i].name, bytes)?;
        }
        let staging = self.staging;
        let s = &mut self.slots[i];
        if s.bytes != bytes {
            s.bytes = bytes;
            self.set_dirty = true;
        }
        // SAFETY: the mapping holds at least bytes bytes and no dispatch
        // is running (every submit is waited for).
        unsafe {
            match data {
                Some(d) => std::ptr::copy_nonoverlapping(d.as_ptr(), s.map, bytes.min(d.len())),
                None => std::ptr::write_bytes(s.map, 0, bytes),
            }
        }
        s.pending = staging;
        s.stale = false;
        Ok(())
    }

    /// The first out.len() bytes of buffer i into out (staging: copied
    /// back from the device first when a dispatch wrote it).
    pub fn get(&mut self, i: usize, out: &mut [u8]) -> Result<(), String> {
        if self.slots[i].stale {
            let d = self.vkd.as_ref().expect(LOADED);
            let s = &self.slots[i];
            let bi = CommandBufferBeginInfo {
                s_type: ST_COMMAND_BUFFER_BEGIN_INFO,
                p_next: null(),
                flags: 0,
                inheritance: null(),
            };
            let c = BufferCopy { src: 0, dst: 0, size: s.bytes as u64 };
            let mb = MemoryBarrier {
                s_type: ST_MEMORY_BARRIER,
                p_next: null(),
                src: ACCESS_SHADER_WRITE,
                dst: ACCESS_TRANSFER_READ,
            };
            let hb = MemoryBarrier {
                s_type: ST_MEMORY_BARRIER,
                p_next: null(),
                src: ACCESS_TRANSFER_WRITE,
                dst: ACCESS_HOST_READ,
            };
            // SAFETY: xcmd is not pending; every pointer outlives its call.
            unsafe {
                check("vkResetCommandBuffer", (d.vkResetCommandBuffer)(self.xcmd, 0))?;
                check("vkBeginCommandBuffer", (d.vkBeginCommandBuffer)(self.xcmd, &bi))?;
                (d.vkCmdPipelineBarrier)(
                    self.xcmd,
                    PIPELINE_STAGE_COMPUTE_SHADER,
                    PIPELINE_STAGE_TRANSFER,
                    0,
                    1,
                    &mb,
                    0,
                    null(),
                    0,
                    null(),
                );
                (d.vkCmdCopyBuffer)(self.xcmd, s.buf, s.stage, 1, &c);
                (d.vkCmdPipelineBarrier)(
                    self.xcmd,
                    PIPELINE_STAGE_TRANSFER,
                    PIPELINE_STAGE_HOST,
                    0,
                    1,
                    &hb,
                    0,
                    null(),
                    0,
                    null(),
                );
                check("vkEndCommandBuffer", (d.vkEndCommandBuffer)(self.xcmd))?;
            }
            self.submit_cmd(self.xcmd)?;
            self.slots[i].stale = false;
        }
        let s = &self.slots[i];
        let n = out.len().min(s.bytes);
        // SAFETY: the mapping holds s.bytes bytes, the device is done with
        // it and the memory is coherent.
        let m = unsafe { std::slice::from_raw_parts(s.map, n) };
        out[..n].copy_from_slice(m);
        Ok(())
    }

    /// Ready to record over grid: the limits, the split pipeline and the
    /// descriptors.
    fn prepare(&mut self, grid: [u32; 3]) -> Result<(), String> {
        self.check_limits(grid)?;
        if self.splits(grid) && self.pipeline_base == 0 {
            self.create_pipeline_base()?;
        }
        if self.set_dirty {
            self.rec_key = None; // an update invalidates the recording
            self.update_set()?;
            self.set_dirty = false;
        }
        Ok(())
    }

    /// One dispatch on the resident buffers (every one put), waiting for it.
    pub fn dispatch(&mut self, params: &[u32], grid: [u32; 3]) -> Result<(), String> {
        self.prepare(grid)?;
        self.record(params, grid, false, false, 1)?;
        self.submit()?;
        let staging = self.staging;
        for (b, s) in BUFFERS.iter().zip(self.slots.iter_mut()) {
            s.pending = false;
            s.stale |= staging && b.writable();
        }
        Ok(())
    }

    /// Upload bufs, dispatch the kernel over grid with params, read the
    /// writable buffers back into bufs (one submit); then time `bench` more
    /// dispatches. Buffers are kept between runs while big enough.
    pub fn run(&mut self, params: &[u32], bufs: &mut [Vec<u8>], grid: [u32; 3], bench: u32) -> Result<Bench, String> {
        self.check_limits(grid)?;
        for (i, data) in bufs.iter().enumerate() {
            self.put(i, Some(data), data.len())?;
        }
        self.prepare(grid)?;
        // staging, every buffer small: the kernel on the staging twins just
        // filled, no copies (the device buffers are then older: pending)
        let host = self.staging && self.slots.iter().all(|s| s.bytes <= self.small);
        self.host = host;
        let r = self.record(params, grid, true, false, 1);
        self.host = false;
        r?;
        self.submit()?;
        for s in self.slots.iter_mut() {
            s.pending = host;
        }
        for ((b, data), s) in BUFFERS.iter().zip(bufs.iter_mut()).zip(&self.slots) {
            if !b.writable() {
                continue;
            }
            // SAFETY: the mapping holds s.bytes bytes, the dispatch is done
            // and the memory is coherent.
            let m = unsafe { std::slice::from_raw_parts(s.map, s.bytes) };
            let n = data.len().min(m.len());
            data[..n].copy_from_slice(&m[..n]);
        }
        let timed = self.ts_bits > 0;
        let mut b = Bench {
            gpu_ms: Vec::new(),
            wall_ms: Vec::new(),
            loop_us: 0.0,
            timer: format!(
                "{}; memory {}; fma {}",
                if timed { "vulkan timestamps" } else { "wall clock, the queue has no timestamps" },
                if self.staging { "device-local + staging" } else { "device-local, mapped" },
                self.fma
            ),
        };
        if bench > 0 {
            self.record(params, grid, false, timed, 1)?;
            self.submit()?; // warm-up (and the pending copies in)
            if self.slots.iter().any(|s| s.pending) {
                for s in self.slots.iter_mut() {
                    s.pending = false;
                }
                self.record(params, grid, false, timed, 1)?;
            }
            for _ in 0..bench {
                let wall = self.submit()?;
                b.wall_ms.push(wall);
                b.gpu_ms.push(if timed { self.timestamps_ms()? } else { wall });
            }
            let t = Instant::now();
            self.record(params, grid, false, false, bench)?;
            self.submit()?;
            b.loop_us = t.elapsed().as_secs_f64() * 1e6 / bench as f64;
            for (bd, s) in BUFFERS.iter().zip(self.slots.iter_mut()) {
                s.stale |= self.staging && bd.writable();
            }
        }
        Ok(b)
    }
}

// ---- pipelines (SPEC §10.5) ----

impl Gpu {
    /// The compute pipeline of kernel part `part` (DISPATCH_BASE with
    /// `base`, for split grids), made on first use.
    fn part_pipeline(&mut self, part: usize, base: bool) -> Result<Nd, String> {
        if self.parts.is_empty() {
            self.parts = vec![0; PARTS.len()];
            self.parts_base = vec![0; PARTS.len()];
        }
        let have = if base { self.parts_base[part] } else { self.parts[part] };
        if have != 0 {
            return Ok(have);
        }
        let name =
            std::ffi::CString::new(PARTS[part].entry).map_err(|_| "an entry point name with a NUL".to_string())?;
        let d = self.vkd.as_ref().expect(LOADED);
        let ci = ComputePipelineCreateInfo {
            s_type: ST_COMPUTE_PIPELINE_CREATE_INFO,
            p_next: null(),
            flags: if base { PIPELINE_CREATE_DISPATCH_BASE } else { 0 },
            stage: PipelineShaderStageCreateInfo {
                s_type: ST_PIPELINE_SHADER_STAGE_CREATE_INFO,
                p_next: null(),
                flags: 0,
                stage: STAGE_COMPUTE_BIT,
                module: self.module,
                name: name.as_ptr(),
                specialization: null(),
            },
            layout: self.layout,
            base: 0,
            base_index: -1,
        };
        let mut pipeline = 0;
        // SAFETY: ci and name outlive the call.
        let r = unsafe { (d.vkCreateComputePipelines)(self.dev, 0, 1, &ci, null(), &mut pipeline) };
        check("vkCreateComputePipelines (kernel part)", r)?;
        if base {
            self.parts_base[part] = pipeline;
        } else {
            self.parts[part] = pipeline;
        }
        Ok(pipeline)
    }

    /// Every step's workgroup and grid within the device's limits.
    fn check_steps(&self, steps: &[Step]) -> Result<(), String> {
        let l = &self.props.limits;
        for s in steps {
            let part = &PARTS[s.part];
            let inv: u32 = part.workgroup.iter().product();
            for ax in 0..3 {
                if part.workgroup[ax] > l.max_work_group_size[ax] || inv > l.max_work_group_invocations {
                    return Err(format!(
                        "vulkan: kernel part '{}': workgroup_size {}x{}x{} exceeds device `{}` limits\n\
                         Fix: use a smaller workgroup_size in the program",
                        part.entry, part.workgroup[0], part.workgroup[1], part.workgroup[2], self.name
                    ));
                }
                if s.grid[ax] > l.max_work_group_count[ax] && part.reads_nwg {
                    return Err(format!(
                        "vulkan: kernel part '{}': grid axis {ax} needs {} workgroups; device `{}` allows {} in one \
                         dispatch, and the part reads nwg, which splitting the grid would change\n\
                         Fix: use smaller --param values, or compute the grid size from params instead of nwg",
                        part.entry, s.grid[ax], self.name, l.max_work_group_count[ax]
                    ));
                }
            }
        }
        Ok(())
    }

    /// A pipeline's steps on the resident buffers (every one put): the
    /// uploads since the last dispatch copied in (staging), one submit,
    /// the writable buffers left on the device for get.
    pub fn dispatch_steps(&mut self, steps: &[Step]) -> Result<(), String> {
        self.check_steps(steps)?;
        if self.set_dirty {
            self.update_set()?;
            self.set_dirty = false;
        }
        self.record_pipeline(steps, 2)?;
        self.submit()?;
        let staging = self.staging;
        for (b, s) in BUFFERS.iter().zip(self.slots.iter_mut()) {
            s.pending = false;
            s.stale |= staging && b.writable();
        }
        Ok(())
    }

    /// Record the whole pipeline into the one command buffer: (copy 1, a
    /// run) the staging twins in and the writable ones out, (copy 2, a
    /// resident dispatch) the pending twins in, nothing out; each step with
    /// its part's pipeline and its own push constants, a compute->compute
    /// barrier between dispatches.
    fn record_pipeline(&mut self, steps: &[Step], copy: u32) -> Result<(), String> {
        self.rec_key = None; // cmd is recorded anew
        let mut pipes = Vec::with_capacity(steps.len());
        for s in steps {
            let split = self.splits(s.grid);
            pipes.push(self.part_pipeline(s.part, split)?);
        }
        let d = self.vkd.as_ref().expect(LOADED);
        let cmd = self.cmd;
        let cs = PIPELINE_STAGE_COMPUTE_SHADER;
        let srw = ACCESS_SHADER_READ | ACCESS_SHADER_WRITE;
        // SAFETY: cmd is not pending (every submit is waited for); every
        // object it records is live and every pointer outlives its call.
        unsafe {
            begin(d, cmd)?;
            let copy_in = |s: &&Slot| copy == 1 || (copy == 2 && s.pending);
            if copy > 0 && self.staging && self.slots.iter().any(|s| copy_in(&s)) {
                for s in self.slots.iter().filter(copy_in) {
                    let c = BufferCopy { src: 0, dst: 0, size: s.bytes as u64 };
                    (d.vkCmdCopyBuffer)(cmd, s.stage, s.buf, 1, &c);
                }
                self.barrier(PIPELINE_STAGE_TRANSFER, ACCESS_TRANSFER_WRITE, cs, srw);
            }
            let mut bound = 0;
            for (s, &pipe) in steps.iter().zip(&pipes) {
                self.barrier(cs, ACCESS_SHADER_WRITE, cs, srw); // after the last dispatch
                if pipe != bound {
                    (d.vkCmdBindPipeline)(cmd, BIND_POINT_COMPUTE, pipe);
                    if bound == 0 && !BUFFERS.is_empty() {
                        (d.vkCmdBindDescriptorSets)(cmd, BIND_POINT_COMPUTE, self.layout, 0, 1, &self.set, 0, null());
                    }
                    bound = pipe;
                }
                if !PARAMS.is_empty() {
                    let block = program::param_block(&s.params);
                    let bytes = block.len() as u32;
                    (d.vkCmdPushConstants)(
                        cmd,
                        self.layout,
                        STAGE_COMPUTE_BIT,
                        0,
                        bytes,
                        block.as_ptr() as *const c_void,
                    );
                }
                self.cmd_grid(s.grid);
            }
            if copy == 1 && self.staging {
                self.barrier(cs, ACCESS_SHADER_WRITE, PIPELINE_STAGE_TRANSFER, ACCESS_TRANSFER_READ);
                for (b, s) in BUFFERS.iter().zip(&self.slots) {
                    if b.writable() {
                        let c = BufferCopy { src: 0, dst: 0, size: s.bytes as u64 };
                        (d.vkCmdCopyBuffer)(cmd, s.buf, s.stage, 1, &c);
                    }
                }
                self.barrier(PIPELINE_STAGE_TRANSFER, ACCESS_TRANSFER_WRITE, PIPELINE_STAGE_HOST, ACCESS_HOST_READ);
            } else {
                self.barrier(cs, ACCESS_SHADER_WRITE, PIPELINE_STAGE_HOST, ACCESS_HOST_READ);
            }
            check("vkEndCommandBuffer", (d.vkEndCommandBuffer)(cmd))
        }
    }

    /// Run a pipeline (SPEC §10.5): upload bufs, the whole pipeline in
    /// one command buffer and one submit, the writable buffers read back
    /// into bufs; then time `bench` more runs of it whole (wall clock).
    pub fn pipeline(&mut self, steps: &[Step], bufs: &mut [Vec<u8>], bench: u32) -> Result<Bench, String> {
        self.check_steps(steps)?;
        let fits = self.slots.len() == bufs.len()
            && self.slots.iter().zip(bufs.iter()).all(|(s, d)| s.cap >= d.len() && !d.is_empty());
        if fits && self.slots.iter().zip(bufs.iter()).any(|(s, d)| s.bytes != d.len()) {
            for (s, d) in self.slots.iter_mut().zip(bufs.iter()) {
                s.bytes = d.len();
            }
            self.update_set()?;
        }
        if !fits {
            let old = std::mem::take(&mut self.slots);
            for s in &old {
                self.free_slot(s);
            }
            for (b, data) in BUFFERS.iter().zip(bufs.iter()) {
                let s = self.make_slot(b.name, data.len())?;
                self.slots.push(s);
            }
            self.update_set()?;
        }
        for (s, data) in self.slots.iter().zip(bufs.iter()) {
            // SAFETY: the mapping holds s.bytes == data.len() bytes.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), s.map, s.bytes) };
        }
        self.record_pipeline(steps, 1)?;
        self.submit()?;
        for ((b, data), s) in BUFFERS.iter().zip(bufs.iter_mut()).zip(&self.slots) {
            if !b.writable() {
                continue;
            }
            // SAFETY: the mapping holds s.bytes bytes, the pipeline is done
            // and the memory is coherent.
            let m = unsafe { std::slice::from_raw_parts(s.map, s.bytes) };
            let n = data.len().min(m.len());
            data[..n].copy_from_slice(&m[..n]);
        }
        let mut b = Bench {
            gpu_ms: Vec::new(),
            wall_ms: Vec::new(),
            loop_us: 0.0,
            timer: format!(
                "wall clock, runs of the whole pipeline of {} dispatches; one vulkan command buffer",
                steps.len()
            ),
        };
        if bench > 0 {
            self.record_pipeline(steps, 0)?;
            self.submit()?; // warm-up
            let mut total = 0.0;
            for _ in 0..bench {
                let wall = self.submit()?;
                total += wall;
                b.wall_ms.push(wall);
                b.gpu_ms.push(wall);
            }
            b.loop_us = total * 1e3 / (bench as f64 * steps.len().max(1) as f64);
        }
        Ok(b)
    }
}

impl Drop for Gpu {
    fn drop(&mut self) {
        if let Some(d) = &self.vkd {
            // SAFETY: every handle below was created on this device, is
            // destroyed once, and the device is idle first.
            unsafe {
                (d.vkDeviceWaitIdle)(self.dev);
                for s in &self.slots {
                    self.free_slot(s);
                }
                if self.qpool != 0 {
                    (d.vkDestroyQueryPool)(self.dev, self.qpool, null());
                }
                if self.fence != 0 {
                    (d.vkDestroyFence)(self.dev, self.fence, null());
                }
                if self.cpool != 0 {
                    (d.vkDestroyCommandPool)(self.dev, self.cpool, null());
                }
                for p in [self.pipeline, self.pipeline_base] {
                    if p != 0 {
                        (d.vkDestroyPipeline)(self.dev, p, null());
                    }
                }
                for &p in self.parts.iter().chain(&self.parts_base) {
                    if p != 0 {
                        (d.vkDestroyPipeline)(self.dev, p, null());
                    }
                }
                if self.layout != 0 {
                    (d.vkDestroyPipelineLayout)(self.dev, self.layout, null());
                }
                if self.dpool != 0 {
                    (d.vkDestroyDescriptorPool)(self.dev, self.dpool, null());
                }
                if self.dsl != 0 {
                    (d.vkDestroyDescriptorSetLayout)(self.dev, self.dsl, null());
                }
                if self.module != 0 {
                    (d.vkDestroyShaderModule)(self.dev, self.module, null());
                }
                (d.vkDestroyDevice)(self.dev, null());
            }
        }
        // SAFETY: the instance is live and its device is gone.
        unsafe { (self.vki.vkDestroyInstance)(self.inst, null()) };
    }
}

/// Resets cmd and begins recording it.
///
/// # Safety
/// cmd is a live command buffer of d that is not pending.
unsafe fn begin(d: &Device, cmd: Handle) -> Result<(), String> {
    let bi =
        CommandBufferBeginInfo { s_type: ST_COMMAND_BUFFER_BEGIN_INFO, p_next: null(), flags: 0, inheritance: null() };
    check("vkResetCommandBuffer", (d.vkResetCommandBuffer)(cmd, 0))?;
    check("vkBeginCommandBuffer", (d.vkBeginCommandBuffer)(cmd, &bi))
}
