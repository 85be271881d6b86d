/*
 * backends/vulkan.c: the `vulkan` dispatch backend (SPEC §4).
 *
 * The factory opens libvulkan.so.1 with dlopen (never at start-up, so a
 * machine without a Vulkan loader runs every other command untouched),
 * loads each entry point through vkGetInstanceProcAddr/vkGetDeviceProcAddr,
 * creates a Vulkan 1.1 instance, picks a physical device (index N, else the
 * first discrete, integrated, virtual, then CPU device: lavapipe counts) and
 * a logical device with one compute queue.  A dispatch compiles the program
 * with the spv emitter (or loads $VYREC_SPV_OVERRIDE), caches the shader
 * module, pipeline and descriptor set per program, binds one storage buffer
 * per program buffer with exactly count*4 bytes (OpArrayLength reads the
 * bound range), pushes the params as push constants, dispatches, waits on
 * a fence with a timeout and reads the writable buffers back.
 *
 * Memory: storage buffers live in device-local memory.  Where that memory
 * is also host-visible and host-cached (lavapipe, integrated GPUs) it is
 * mapped and used directly; elsewhere (a discrete GPU, whose host-visible
 * device memory is uncached BAR memory that reads back at PCIe-uncached
 * speed) each buffer has a host-visible staging twin and the command
 * buffer copies in, dispatches and copies out.  VYREC_VK_MEMORY=direct or
 * staging forces either (tests use it to cover both on lavapipe).
 *
 * The exact fma the spv emitter lowers is chosen here, from the device:
 * OpFmaKHR with VK_KHR_shader_fma, else the f64-based one with
 * shaderFloat64, else the f32 emulation (VYREC_VK_FMA=khr|f64|emulate
 * forces one the device supports).
 *
 * A grid larger than maxComputeWorkGroupCount is split into several
 * vkCmdDispatchBase calls (a pipeline created with DISPATCH_BASE), so
 * GlobalInvocationId and WorkgroupId stay those of the whole grid; a
 * program that reads nwg cannot be split (NumWorkgroups would be one
 * part's) and is refused.  --bench brackets the dispatch alone with
 * timestamp queries (timestampPeriod ns a tick, timestampValidBits).
 *
 * Every VkResult is checked and becomes "vulkan: CALL failed: VK_ERROR_X.
 * Fix: ...".  With VYREC_VK_VALIDATION=1 the Khronos validation layer and a
 * VK_EXT_debug_utils messenger are enabled, and any validation message
 * fails the call in progress with that message.
 */
#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stream.h"
#include "launch.h"
#include "vyrec.h"

#define TIMEOUT_NS (60ull * 1000 * 1000 * 1000)

/* Entry points, loaded through vkGetInstanceProcAddr (G: global, I:
 * instance) or vkGetDeviceProcAddr (D). */
#define VK_GLOBAL_FNS(X) \
	X(vkCreateInstance) X(vkEnumerateInstanceLayerProperties)
#define VK_INSTANCE_FNS(X) \
	X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) \
	X(vkGetPhysicalDeviceProperties) \
	X(vkGetPhysicalDeviceQueueFamilyProperties) \
	X(vkGetPhysicalDeviceMemoryProperties) X(vkCreateDevice) \
	X(vkGetDeviceProcAddr) X(vkGetPhysicalDeviceFeatures) \
	X(vkGetPhysicalDeviceFeatures2) X(vkEnumerateDeviceExtensionProperties) \
	X(vkGetPhysicalDeviceProperties2)
#define VK_DEVICE_FNS(X) \
	X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkDeviceWaitIdle) \
	X(vkCreateBuffer) X(vkDestroyBuffer) X(vkGetBufferMemoryRequirements) \
	X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory) \
	X(vkMapMemory) X(vkUnmapMemory) \
	X(vkCreateShaderModule) X(vkDestroyShaderModule) \
	X(vkCreateDescriptorSetLayout) X(vkDestroyDescriptorSetLayout) \
	X(vkCreatePipelineLayout) X(vkDestroyPipelineLayout) \
	X(vkCreateComputePipelines) X(vkDestroyPipeline) \
	X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) \
	X(vkAllocateDescriptorSets) X(vkUpdateDescriptorSets) \
	X(vkCreateCommandPool) X(vkDestroyCommandPool) \
	X(vkAllocateCommandBuffers) X(vkBeginCommandBuffer) \
	X(vkEndCommandBuffer) X(vkResetCommandBuffer) \
	X(vkCmdBindPipeline) X(vkCmdBindDescriptorSets) X(vkCmdPushConstants) \
	X(vkCmdDispatch) X(vkCmdPipelineBarrier) \
	X(vkCreateFence) X(vkDestroyFence) X(vkResetFences) \
	X(vkWaitForFences) X(vkGetFenceStatus) X(vkQueueSubmit) \
	X(vkCmdDispatchBase) X(vkCmdCopyBuffer) X(vkCmdWriteTimestamp) \
	X(vkCmdResetQueryPool) X(vkCreateQueryPool) X(vkDestroyQueryPool) \
	X(vkGetQueryPoolResults)

/* VK_KHR_shader_fma (newer than some installed headers). */
#define VY_KHR_SHADER_FMA "VK_KHR_shader_fma"
#define VY_STRUCTURE_TYPE_SHADER_FMA_FEATURES ((VkStructureType)1000579000)
struct vy_fma_features {
	VkStructureType sType;
	void *pNext;
	VkBool32 shaderFmaFloat16, shaderFmaFloat32, shaderFmaFloat64;
};

/* One program's compiled state, cached by program pointer. */
struct vkpipe {
	const struct vy_program *prog;
	VkShaderModule module;
	VkDescriptorSetLayout dsl;
	VkPipelineLayout layout;
	VkPipeline pipeline;
	VkPipeline pipeline_base;   /* DISPATCH_BASE, made when a grid splits */
	VkDescriptorPool dpool;
	VkDescriptorSet set;
	VkBuffer bound[VY_MAX_IO];  /* what the set points at now */
	VkDeviceSize bound_range[VY_MAX_IO];
	VkPipelineShaderStageRequiredSubgroupSizeCreateInfoEXT sg_req;
	struct vkpipe *next;
};

/* A device buffer slot, reused while its capacity suffices: buf in
 * device-local memory; map is buf's own mapping (direct) or that of its
 * host-visible staging twin stage (staging). */
struct vkslot {
	VkBuffer buf, stage;
	VkDeviceMemory mem, smem;
	VkDeviceSize cap;
	void *map;
};

struct vk {
	void *lib;
	PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
#define X(f) PFN_##f f;
	VK_GLOBAL_FNS(X) VK_INSTANCE_FNS(X) VK_DEVICE_FNS(X)
#undef X
	PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
	PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
	VkInstance inst;
	VkDebugUtilsMessengerEXT messenger;
	VkPhysicalDevice phys;
	VkPhysicalDeviceProperties props;
	VkPhysicalDeviceMemoryProperties mprops;
	uint32_t qfam;
	VkDevice dev;
	VkQueue queue;
	VkCommandPool cpool;
	VkCommandBuffer cmd, bcmd;  /* the run's; --bench's (timestamps) */
	VkFence fence;
	VkQueryPool qpool;          /* two timestamps, made by the first bench */
	uint32_t ts_bits;           /* the queue's timestampValidBits */
	bool staging;               /* device-local buffers + staging twins */
	bool float64, khr_fma;      /* features enabled on the device */
	bool st8, st16, khr_8bit;   /* 8/16-bit storage buffers (storage types) */
	bool float16;               /* shaderFloat16 (SPEC §10.1: f16 programs) */
	bool fa_buf, fa_shared, ext_fa;  /* f32 atomic add (SPEC §10.2) */
	bool int64, f64_ok, i64_ok;  /* shaderInt64; the 64-bit types usable */
	enum vy_fma_mode fma;       /* how the spv emitter lowers exact fma */
	char timer[160];            /* --bench's description of its timer */
	int mt_buf, mt_stage;       /* memory types of the last buffers made */
	struct vkpipe *pipes;
	struct vkslot slots[VY_MAX_IO];
	char *vmsg;      /* first validation message since the last check */
	/* subgroups (SPEC §10.4): the default size, the compute ops, and
	 * VK_EXT_subgroup_size_control's range (sg_control: enabled) */
	uint32_t sg_size, sg_ops, sg_min, sg_max;
	bool sg_compute, sg_control;
};

static const char *result_name(VkResult r)
{
	switch (r) {
#define R(x) case x: return #x;
	R(VK_SUCCESS) R(VK_NOT_READY) R(VK_TIMEOUT) R(VK_INCOMPLETE)
	R(VK_ERROR_OUT_OF_HOST_MEMORY) R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
	R(VK_ERROR_INITIALIZATION_FAILED) R(VK_ERROR_DEVICE_LOST)
	R(VK_ERROR_MEMORY_MAP_FAILED) R(VK_ERROR_LAYER_NOT_PRESENT)
	R(VK_ERROR_EXTENSION_NOT_PRESENT) R(VK_ERROR_FEATURE_NOT_PRESENT)
	R(VK_ERROR_INCOMPATIBLE_DRIVER) R(VK_ERROR_TOO_MANY_OBJECTS)
	R(VK_ERROR_FORMAT_NOT_SUPPORTED) R(VK_ERROR_FRAGMENTED_POOL)
	R(VK_ERROR_UNKNOWN) R(VK_ERROR_OUT_OF_POOL_MEMORY)
	R(VK_ERROR_INVALID_EXTERNAL_HANDLE) R(VK_ERROR_FRAGMENTATION)
	R(VK_ERROR_INVALID_SHADER_NV) R(VK_PIPELINE_COMPILE_REQUIRED)
#undef R
	default: return "VK_ERROR_UNKNOWN";
	}
}

static const char *result_fix(VkResult r)
{
	switch (r) {
	case VK_ERROR_INCOMPATIBLE_DRIVER:
	case VK_ERROR_INITIALIZATION_FAILED:
		return "install a Vulkan 1.1 driver (apt-get install mesa-vulkan-drivers "
		       "for the CPU driver lavapipe), check VK_ICD_FILENAMES/VK_DRIVER_FILES "
		       "and `vulkaninfo --summary`, or use --backend reference";
	case VK_ERROR_LAYER_NOT_PRESENT:
		return "install the validation layers (apt-get install vulkan-validationlayers) "
		       "or unset VYREC_VK_VALIDATION and VK_INSTANCE_LAYERS";
	case VK_ERROR_EXTENSION_NOT_PRESENT:
		return "update the Vulkan loader (apt-get install libvulkan1) or unset VYREC_VK_VALIDATION";
	case VK_ERROR_OUT_OF_HOST_MEMORY:
	case VK_ERROR_OUT_OF_DEVICE_MEMORY:
	case VK_ERROR_OUT_OF_POOL_MEMORY:
	case VK_ERROR_TOO_MANY_OBJECTS:
		return "use smaller buffers (smaller --param values) or free memory on the device";
	case VK_ERROR_DEVICE_LOST:
		return "the driver lost the device (a kernel that runs too long or reads out of "
		       "bounds can do this); check the program's bounds with --backend reference --strict";
	case VK_TIMEOUT:
		return "the kernel ran longer than 60 s: use smaller --param values, or check "
		       "the program's loops with --backend reference";
	default:
		return "update the Vulkan driver, or run with VYREC_VK_VALIDATION=1 to see "
		       "what the driver rejects, or use --backend reference";
	}
}

static char *vkfail(const char *call, VkResult r)
{
	return vy_strf("vulkan: %s failed: %s. Fix: %s", call, result_name(r),
		       result_fix(r));
}

/* The validation message, if one arrived, as the error of the call. */
static int take_vmsg(struct vk *v, const char *during, char **err)
{
	if (!v->vmsg)
		return 0;
	*err = vy_strf("vulkan: validation layer message during %s: %s. Fix: this is "
		       "a vyrec bug when the SPIR-V is vyrec's own; report it with the program",
		       during, v->vmsg);
	free(v->vmsg);
	v->vmsg = NULL;
	return -1;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(
	VkDebugUtilsMessageSeverityFlagBitsEXT sev,
	VkDebugUtilsMessageTypeFlagsEXT type,
	const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
	struct vk *v = user;

	if (type == VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT &&
	    sev < VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
		return VK_FALSE;   /* loader chatter, not validation */
	if (!v->vmsg)
		v->vmsg = vy_strf("%s", data && data->pMessage ? data->pMessage : "(no text)");
	return VK_FALSE;
}

static bool validation_wanted(void)
{
	const char *e = getenv("VYREC_VK_VALIDATION");
	return e && *e && strcmp(e, "0") != 0;
}

static bool have_layer(struct vk *v, const char *name)
{
	uint32_t n = 0;
	VkLayerProperties *lp;
	bool found = false;

	if (v->vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || !n)
		return false;
	lp = calloc(n, sizeof *lp);
	if (lp && v->vkEnumerateInstanceLayerProperties(&n, lp) == VK_SUCCESS)
		for (uint32_t i = 0; i < n; i++)
			if (!strcmp(lp[i].layerName, name))
				found = true;
	free(lp);
	return found;
}

static int open_loader(struct vk *v, char **err)
{
	v->lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!v->lib) {
		*err = vy_strf("vulkan: libvulkan.so.1 not found (dlopen: %s). Fix: install "
			       "the Vulkan loader and a driver (apt-get install libvulkan1 "
			       "mesa-vulkan-drivers for the CPU driver lavapipe) or use "
			       "--backend reference", dlerror());
		return -1;
	}
	v->vkGetInstanceProcAddr = (PFN_vkGetInstanceProcAddr)dlsym(v->lib,
		"vkGetInstanceProcAddr");
	if (!v->vkGetInstanceProcAddr) {
		*err = vy_strf("vulkan: libvulkan.so.1 has no vkGetInstanceProcAddr. Fix: "
			       "reinstall the Vulkan loader (apt-get install --reinstall libvulkan1)");
		return -1;
	}
#define X(f) v->f = (PFN_##f)v->vkGetInstanceProcAddr(NULL, #f);
	VK_GLOBAL_FNS(X)
#undef X
	if (!v->vkCreateInstance || !v->vkEnumerateInstanceLayerProperties) {
		*err = vy_strf("vulkan: the loader lacks vkCreateInstance. Fix: reinstall "
			       "the Vulkan loader (apt-get install --reinstall libvulkan1)");
		return -1;
	}
	return 0;
}

static int create_instance(struct vk *v, char **err)
{
	const char *layers[] = { "VK_LAYER_KHRONOS_validation" };
	const char *exts[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
	bool val = validation_wanted();
	VkDebugUtilsMessengerCreateInfoEXT mi = {
		.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
		.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
			VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
		.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
			VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
			VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
		.pfnUserCallback = on_message,
		.pUserData = v,
	};
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "vyrec", .pEngineName = "vyrec",
		.apiVersion = VK_API_VERSION_1_1,
	};
	VkInstanceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pNext = val ? &mi : NULL,
		.pApplicationInfo = &app,
		.enabledLayerCount = val && have_layer(v, layers[0]) ? 1 : 0,
		.ppEnabledLayerNames = layers,
		.enabledExtensionCount = val ? 1 : 0,
		.ppEnabledExtensionNames = exts,
	};
	VkResult r;

	if (val && !ci.enabledLayerCount && !getenv("VK_INSTANCE_LAYERS")) {
		*err = vkfail("vkCreateInstance (VYREC_VK_VALIDATION=1 needs "
			      "VK_LAYER_KHRONOS_validation)", VK_ERROR_LAYER_NOT_PRESENT);
		return -1;
	}
	if ((r = v->vkCreateInstance(&ci, NULL, &v->inst)) != VK_SUCCESS) {
		*err = vkfail("vkCreateInstance", r);
		return -1;
	}
#define X(f) v->f = (PFN_##f)v->vkGetInstanceProcAddr(v->inst, #f);
	VK_INSTANCE_FNS(X)
	if (val) {
		X(vkCreateDebugUtilsMessengerEXT)
		X(vkDestroyDebugUtilsMessengerEXT)
	}
#undef X
	if (val && v->vkCreateDebugUtilsMessengerEXT &&
	    (r = v->vkCreateDebugUtilsMessengerEXT(v->inst, &mi, NULL,
						   &v->messenger)) != VK_SUCCESS) {
		*err = vkfail("vkCreateDebugUtilsMessengerEXT", r);
		return -1;
	}
	return 0;
}

static int type_score(VkPhysicalDeviceType t)
{
	switch (t) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
	case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
	default: return 0;
	}
}

/* The compute queue family of pd, or -1. */
static int compute_family(struct vk *v, VkPhysicalDevice pd)
{
	uint32_t n = 0;
	VkQueueFamilyProperties *q;
	int found = -1;

	v->vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
	q = calloc(n ? n : 1, sizeof *q);
	if (!q)
		return -1;
	v->vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
	for (uint32_t i = 0; i < n && found < 0; i++)
		if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT && q[i].queueCount)
			found = (int)i;
	free(q);
	return found;
}

static int choose_device(struct vk *v, VkPhysicalDevice *pds, uint32_t n,
			 int device, char **err)
{
	int best = -1, best_score = -1;

	for (uint32_t i = 0; i < n; i++) {
		VkPhysicalDeviceProperties p;
		v->vkGetPhysicalDeviceProperties(pds[i], &p);
		if (device >= 0 && (uint32_t)device != i)
			continue;
		if (compute_family(v, pds[i]) < 0)
			continue;
		if (type_score(p.deviceType) > best_score) {
			best = (int)i;
			best_score = type_score(p.deviceType);
		}
	}
	if (device >= 0 && (uint32_t)device >= n) {
		*err = vy_strf("vulkan: device %d does not exist (%u Vulkan device%s). "
			       "Fix: pick --device 0..%u (see `vulkaninfo --summary`)",
			       device, n, n == 1 ? "" : "s", n - 1);
		return -1;
	}
	if (best < 0) {
		*err = vy_strf("vulkan: no Vulkan device with a compute queue. Fix: install a "
			       "Vulkan driver (apt-get install mesa-vulkan-drivers for the CPU "
			       "driver lavapipe) or use --backend reference");
		return -1;
	}
	v->phys = pds[best];
	v->qfam = (uint32_t)compute_family(v, v->phys);
	v->vkGetPhysicalDeviceProperties(v->phys, &v->props);
	v->vkGetPhysicalDeviceMemoryProperties(v->phys, &v->mprops);
	return 0;
}

static int pick_physical(struct vk *v, int device, char **err)
{
	uint32_t n = 0;
	VkPhysicalDevice *pds;
	VkResult r;
	int rc;

	if ((r = v->vkEnumeratePhysicalDevices(v->inst, &n, NULL)) != VK_SUCCESS) {
		*err = vkfail("vkEnumeratePhysicalDevices", r);
		return -1;
	}
	if (!n) {
		*err = vy_strf("vulkan: no Vulkan devices found (vkEnumeratePhysicalDevices "
			       "returned 0). Fix: %s", result_fix(VK_ERROR_INCOMPATIBLE_DRIVER));
		return -1;
	}
	pds = calloc(n, sizeof *pds);
	if (!pds) {
		*err = vkfail("vkEnumeratePhysicalDevices", VK_ERROR_OUT_OF_HOST_MEMORY);
		return -1;
	}
	r = v->vkEnumeratePhysicalDevices(v->inst, &n, pds);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
		free(pds);
		*err = vkfail("vkEnumeratePhysicalDevices", r);
		return -1;
	}
	rc = choose_device(v, pds, n, device, err);
	free(pds);
	if (rc == 0 && v->props.apiVersion < VK_API_VERSION_1_1) {
		*err = vy_strf("vulkan: device `%s` supports Vulkan 1.0 only; vyrec's SPIR-V "
			       "needs Vulkan 1.1. Fix: update the Vulkan driver or pick another "
			       "--device", v->props.deviceName);
		return -1;
	}
	return rc;
}

/* Whether the device lists extension name. */
static bool have_extension(struct vk *v, const char *name)
{
	uint32_t n = 0;
	VkExtensionProperties *e;
	bool found = false;

	if (v->vkEnumerateDeviceExtensionProperties(v->phys, NULL, &n, NULL) != VK_SUCCESS || !n)
		return false;
	e = calloc(n, sizeof *e);
	if (e && v->vkEnumerateDeviceExtensionProperties(v->phys, NULL, &n, e) == VK_SUCCESS)
		for (uint32_t i = 0; i < n; i++)
			if (!strcmp(e[i].extensionName, name))
				found = true;
	free(e);
	return found;
}

/* The queue family's timestampValidBits (0: no timestamps). */
static uint32_t timestamp_bits(struct vk *v)
{
	uint32_t n = 0, bits = 0;
	VkQueueFamilyProperties *q;

	v->vkGetPhysicalDeviceQueueFamilyProperties(v->phys, &n, NULL);
	q = calloc(n ? n : 1, sizeof *q);
	if (!q)
		return 0;
	v->vkGetPhysicalDeviceQueueFamilyProperties(v->phys, &n, q);
	if (v->qfam < n)
		bits = q[v->qfam].timestampValidBits;
	free(q);
	return v->props.limits.timestampPeriod > 0 ? bits : 0;
}

/* Whether VYREC_VK_DISABLE=FEATURE[,FEATURE] names feature: the tests'
 * stand-in for a device that lacks it (SPEC §10.1, §10.2, §10.4). */
static bool disabled(const char *feature)
{
	const char *off = getenv("VYREC_VK_DISABLE");
	return off && strstr(off, feature);
}

/* The exact fma the device runs fastest: KHR, F64, else EMULATE; the
 * features it needs are enabled by create_device.  VYREC_VK_FMA forces
 * one (an error when the device lacks it). */
static int choose_fma(struct vk *v, char **err)
{
	const char *force = getenv("VYREC_VK_FMA");
	struct vy_fma_features ff = { .sType = VY_STRUCTURE_TYPE_SHADER_FMA_FEATURES };
	VkPhysicalDeviceFeatures2 f2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
	};

	if (have_extension(v, VY_KHR_SHADER_FMA)) {
		f2.pNext = &ff;
		v->vkGetPhysicalDeviceFeatures2(v->phys, &f2);
		v->khr_fma = ff.shaderFmaFloat32 == VK_TRUE;
	} else {
		v->vkGetPhysicalDeviceFeatures2(v->phys, &f2);
	}
	v->float64 = f2.features.shaderFloat64 == VK_TRUE;
	v->int64 = f2.features.shaderInt64 == VK_TRUE;
	v->f64_ok = v->float64 && !disabled("shaderFloat64");   /* SPEC §10.1 types */
	v->i64_ok = v->int64 && !disabled("shaderInt64");
	v->fma = v->khr_fma ? VY_FMA_KHR : v->float64 ? VY_FMA_F64 : VY_FMA_EMULATE;
	if (force && *force) {
		if (!strcmp(force, "emulate"))
			v->fma = VY_FMA_EMULATE;
		else if (!strcmp(force, "f64") && v->float64)
			v->fma = VY_FMA_F64;
		else if (!strcmp(force, "khr") && v->khr_fma)
			v->fma = VY_FMA_KHR;
		else {
			*err = vy_strf("vulkan: VYREC_VK_FMA=%s: %s. Fix: set it to emulate%s%s, "
				       "or unset it", force, strcmp(force, "f64") &&
				       strcmp(force, "khr") ? "not a mode (emulate, f64, khr)" :
				       "the device does not support it",
				       v->float64 ? ", f64" : "", v->khr_fma ? ", khr" : "");
			return -1;
		}
	}
	return 0;
}

/* The 8- and 16-bit storage features the storage types need (SPEC §10.1);
 * VYREC_VK_DISABLE=FEATURE[,FEATURE] pretends the device lacks one. */
static void query_storage(struct vk *v)
{
	VkPhysicalDevice8BitStorageFeatures f8 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES,
	};
	VkPhysicalDevice16BitStorageFeatures f16 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
	};
	VkPhysicalDeviceFeatures2 f2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f16,
	};
	VkPhysicalDeviceShaderFloat16Int8Features fi = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES,
	};
	v->khr_8bit = have_extension(v, VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
	if (v->khr_8bit)
		f16.pNext = &f8;
	bool khr_f16 = have_extension(v, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
	if (khr_f16) {
		fi.pNext = f2.pNext;
		f2.pNext = &fi;
	}
	v->vkGetPhysicalDeviceFeatures2(v->phys, &f2);
	v->float16 = khr_f16 && fi.shaderFloat16 == VK_TRUE && !disabled("shaderFloat16");
	v->st8 = f8.storageBuffer8BitAccess == VK_TRUE && !disabled("storageBuffer8BitAccess");
	v->st16 = f16.storageBuffer16BitAccess == VK_TRUE && !disabled("storageBuffer16BitAccess");
	v->khr_8bit = v->khr_8bit && v->st8;
}

/* The f32 atomic-add features of VK_EXT_shader_atomic_float (SPEC §10.2);
 * VYREC_VK_DISABLE names them too. */
static void query_fatomic(struct vk *v)
{
	VkPhysicalDeviceShaderAtomicFloatFeaturesEXT fa = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT,
	};
	VkPhysicalDeviceFeatures2 f2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &fa,
	};
	v->ext_fa = have_extension(v, VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME);
	if (!v->ext_fa)
		return;
	v->vkGetPhysicalDeviceFeatures2(v->phys, &f2);
	v->fa_buf = fa.shaderBufferFloat32AtomicAdd == VK_TRUE &&
		    !disabled("shaderBufferFloat32AtomicAdd");
	v->fa_shared = fa.shaderSharedFloat32AtomicAdd == VK_TRUE &&
		       !disabled("shaderSharedFloat32AtomicAdd");
	v->ext_fa = v->fa_buf || v->fa_shared;
}

/* The subgroup properties (SPEC §10.4) and VK_EXT_subgroup_size_control. */
static void query_subgroup(struct vk *v)
{
	VkPhysicalDeviceSubgroupSizeControlPropertiesEXT sc = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES_EXT,
	};
	VkPhysicalDeviceSubgroupProperties sp = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
	};
	VkPhysicalDeviceProperties2 p2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &sp,
	};
	VkPhysicalDeviceSubgroupSizeControlFeaturesEXT sf = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT,
	};
	VkPhysicalDeviceFeatures2 f2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &sf,
	};
	bool ext = have_extension(v, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
	if (ext)
		sp.pNext = &sc;
	v->vkGetPhysicalDeviceProperties2(v->phys, &p2);
	v->sg_size = sp.subgroupSize;
	v->sg_ops = sp.supportedOperations;
	v->sg_compute = (sp.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0;
	if (ext) {
		v->vkGetPhysicalDeviceFeatures2(v->phys, &f2);
		v->sg_control = sf.subgroupSizeControl == VK_TRUE &&
				(sc.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT);
		v->sg_min = sc.minSubgroupSize;
		v->sg_max = sc.maxSubgroupSize;
	}
	if (disabled("subgroupSizeControl"))
		v->sg_control = false;
}

/* Whether p's subgroup ops and subgroup_size can run here; the message
 * (exit 3 in run and verify) says why not. */
static int check_subgroup(struct vk *v, const struct vy_program *p, char **err)
{
	static const VkSubgroupFeatureFlags need = VK_SUBGROUP_FEATURE_BASIC_BIT |
		VK_SUBGROUP_FEATURE_ARITHMETIC_BIT | VK_SUBGROUP_FEATURE_BALLOT_BIT |
		VK_SUBGROUP_FEATURE_SHUFFLE_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT |
		VK_SUBGROUP_FEATURE_VOTE_BIT;
	uint32_t n = p->subgroup_size;
	if (!(vy_program_uses(p) & VY_USES_SUBGROUP))
		return 0;
	if (!v->sg_compute || (v->sg_ops & need) != need) {
		*err = vy_strf("vulkan: device `%s` lacks the compute subgroup operations "
			       "(basic, arithmetic, ballot, shuffle, shuffle_relative, "
			       "vote) that subgroup ops need. Fix: run on a device that has "
			       "them (see vyrec backends) or use --backend reference",
			       v->props.deviceName);
		return -1;
	}
	uint32_t size = n ? n : v->sg_size;
	if ((p->wgsize[1] > 1 || p->wgsize[2] > 1) && p->wgsize[0] % size) {
		/* Vulkan leaves the grouping to the device (lavapipe starts a
		 * subgroup at each row), so SPEC §10.4's flat order holds only
		 * when subgroups do not straddle rows */
		*err = vy_strf("vulkan: workgroup_size [%u, %u, %u] has more than one axis and an x "
			       "size that is not a multiple of device `%s`'s subgroup size %u, "
			       "so its subgroups would not follow the flat local index order. "
			       "Fix: make workgroup_size's x a multiple of %u, use a 1-D "
			       "workgroup, or use --backend reference", p->wgsize[0], p->wgsize[1],
			       p->wgsize[2], v->props.deviceName, size, size);
		return -1;
	}
	if (!n || n == v->sg_size || (v->sg_control && n >= v->sg_min && n <= v->sg_max))
		return 0;
	char range[96];
	if (v->sg_control)
		snprintf(range, sizeof range, " (%u to %u through VK_EXT_subgroup_size_control)",
			 v->sg_min, v->sg_max);
	else
		snprintf(range, sizeof range, " and cannot require another size (no "
			 "VK_EXT_subgroup_size_control)");
	*err = vy_strf("vulkan: device `%s` runs subgroups of %u invocations%s, and the "
		       "program requires subgroup_size: %u. Fix: drop subgroup_size to "
		       "run at the device's size, run on a device that supports it, or "
		       "use --backend reference", v->props.deviceName, v->sg_size, range, n);
	return -1;
}

/* The device features program p needs (the feature column of
 * vyrec_types.def), checked when it is loaded. */
static int check_features(struct vk *v, const struct vy_program *p, char **err)
{
	for (int i = 0; i < p->nbuffers; i++) {
		const char *f = vy_type_info(p->buffers[i].type)->feature;
		bool ok = !*f || (!strcmp(f, "storageBuffer8BitAccess") ? v->st8 : v->st16);
		if (ok)
			continue;
		*err = vy_strf("vulkan: device `%s` lacks %s, which buffer `%s` (%s "
			       "elements) needs. Fix: run on a device that has it "
			       "(see vyrec backends), use --backend reference, or "
			       "declare the buffer u32/i32/f32", v->props.deviceName,
			       f, p->buffers[i].name, vy_type_name(p->buffers[i].type));
		return -1;
	}
	if (p->uses_f16 && !v->float16) {   /* SPEC §10.1 */
		*err = vy_strf("vulkan: device `%s` lacks shaderFloat16 "
			       "(VK_KHR_shader_float16_int8), which the program's f16 "
			       "values need. Fix: run on a device that has it (see vyrec "
			       "backends), use --backend reference or cuda, or compute in "
			       "f32", v->props.deviceName);
		return -1;
	}
	unsigned uses = vy_program_uses(p);
	bool ints64 = uses & (VY_USES_U64 | VY_USES_I64);
	const char *f64miss = (uses & VY_USES_F64) && !v->f64_ok ? "shaderFloat64" :
			      ints64 && !v->i64_ok ? "shaderInt64" : NULL;
	if (f64miss) {
		*err = vy_strf("vulkan: device `%s` lacks %s, which the program's %s "
			       "values need. Fix: run on a device that has it (see "
			       "vyrec backends), use --backend reference or cuda, or "
			       "compute in 32-bit types", v->props.deviceName, f64miss,
			       uses & VY_USES_F64 ? "f64" : "64-bit integer");
		return -1;
	}
	const char *miss = (uses & VY_USES_FATOMIC_BUFFER) && !v->fa_buf ?
		"shaderBufferFloat32AtomicAdd" : (uses & VY_USES_FATOMIC_SHARED) &&
		!v->fa_shared ? "shaderSharedFloat32AtomicAdd" : NULL;
	if (miss) {
		*err = vy_strf("vulkan: device `%s` lacks %s (VK_EXT_shader_atomic_float), "
			       "which the program's f32 atomic.add needs. Fix: run on a "
			       "device that has it (see vyrec backends), use --backend "
			       "reference or cuda, or accumulate in a u32/i32 buffer",
			       v->props.deviceName, miss);
		return -1;
	}
	return 0;
}

/* How an fma mode is named in messages and --bench lines. */
static const char *fma_name(enum vy_fma_mode m)
{
	return m == VY_FMA_KHR ? "khr" : m == VY_FMA_F64 ? "f64" : "emulate";
}

static int create_device(struct vk *v, char **err)
{
	float prio = 1.0f;
	const char *exts[4];   /* one per exts[next++] below */
	uint32_t next = 0;
	VkPhysicalDeviceSubgroupSizeControlFeaturesEXT sf = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT,
		.subgroupSizeControl = VK_TRUE,
	};
	VkPhysicalDevice8BitStorageFeatures f8 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES,
		.storageBuffer8BitAccess = VK_TRUE,
	};
	VkPhysicalDevice16BitStorageFeatures f16 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
		.pNext = v->khr_8bit ? &f8 : NULL,
		.storageBuffer16BitAccess = v->st16,
	};
	struct vy_fma_features ff = {
		.sType = VY_STRUCTURE_TYPE_SHADER_FMA_FEATURES,
		.pNext = &f16,
		.shaderFmaFloat32 = VK_TRUE,
	};
	if (v->khr_fma)
		exts[next++] = VY_KHR_SHADER_FMA;
	if (v->khr_8bit)
		exts[next++] = VK_KHR_8BIT_STORAGE_EXTENSION_NAME;
	VkPhysicalDeviceShaderAtomicFloatFeaturesEXT fa = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT,
		.shaderBufferFloat32AtomicAdd = v->fa_buf,
		.shaderSharedFloat32AtomicAdd = v->fa_shared,
	};
	if (v->ext_fa)
		exts[next++] = VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME;
	if (v->sg_control)
		exts[next++] = VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME;
	VkPhysicalDeviceFeatures feat = { .shaderFloat64 = v->float64,
					  .shaderInt64 = v->int64 };
	VkDeviceQueueCreateInfo qi = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueFamilyIndex = v->qfam, .queueCount = 1,
		.pQueuePriorities = &prio,
	};
	VkDeviceCreateInfo di = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.pNext = v->khr_fma ? (void *)&ff : (void *)&f16,
		.queueCreateInfoCount = 1, .pQueueCreateInfos = &qi,
		.enabledExtensionCount = next,
		.ppEnabledExtensionNames = exts,
		.pEnabledFeatures = &feat,
	};
	VkResult r;
	if (v->ext_fa) {
		fa.pNext = (void *)di.pNext;
		di.pNext = &fa;
	}

	if (v->sg_control) {   /* subgroup_size: N through requiredSubgroupSize */
		sf.pNext = (void *)di.pNext;
		di.pNext = &sf;
	}
	if ((r = v->vkCreateDevice(v->phys, &di, NULL, &v->dev)) != VK_SUCCESS) {
		*err = vkfail("vkCreateDevice", r);
		return -1;
	}
#define X(f) v->f = (PFN_##f)v->vkGetDeviceProcAddr(v->dev, #f); \
	if (!v->f) { *err = vy_strf("vulkan: the driver lacks %s. Fix: %s", #f, \
				    result_fix(VK_ERROR_INITIALIZATION_FAILED)); return -1; }
	VK_DEVICE_FNS(X)
#undef X
	v->vkGetDeviceQueue(v->dev, v->qfam, 0, &v->queue);
	v->ts_bits = timestamp_bits(v);
	return 0;
}

/* Command pool, one command buffer and one fence, reused by every dispatch. */
static int create_submit_objects(struct vk *v, char **err)
{
	VkCommandPoolCreateInfo pi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
		.queueFamilyIndex = v->qfam,
	};
	VkCommandBufferAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY, .commandBufferCount = 2,
	};
	VkCommandBuffer cbs[2];
	VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
	VkResult r;

	if ((r = v->vkCreateCommandPool(v->dev, &pi, NULL, &v->cpool)) != VK_SUCCESS) {
		*err = vkfail("vkCreateCommandPool", r);
		return -1;
	}
	ai.commandPool = v->cpool;
	if ((r = v->vkAllocateCommandBuffers(v->dev, &ai, cbs)) != VK_SUCCESS) {
		*err = vkfail("vkAllocateCommandBuffers", r);
		return -1;
	}
	v->cmd = cbs[0];
	v->bcmd = cbs[1];
	if ((r = v->vkCreateFence(v->dev, &fi, NULL, &v->fence)) != VK_SUCCESS) {
		*err = vkfail("vkCreateFence", r);
		return -1;
	}
	return 0;
}

static void free_pipe(struct vk *v, struct vkpipe *p)
{
	if (p->pipeline) v->vkDestroyPipeline(v->dev, p->pipeline, NULL);
	if (p->pipeline_base) v->vkDestroyPipeline(v->dev, p->pipeline_base, NULL);
	if (p->layout) v->vkDestroyPipelineLayout(v->dev, p->layout, NULL);
	if (p->dpool) v->vkDestroyDescriptorPool(v->dev, p->dpool, NULL);
	if (p->dsl) v->vkDestroyDescriptorSetLayout(v->dev, p->dsl, NULL);
	if (p->module) v->vkDestroyShaderModule(v->dev, p->module, NULL);
	free(p);
}

static void free_slot(struct vk *v, struct vkslot *s)
{
	if (s->map) v->vkUnmapMemory(v->dev, s->mem);
	if (s->buf) v->vkDestroyBuffer(v->dev, s->buf, NULL);
	if (s->mem) v->vkFreeMemory(v->dev, s->mem, NULL);
	if (s->stage) v->vkDestroyBuffer(v->dev, s->stage, NULL);
	if (s->smem) v->vkFreeMemory(v->dev, s->smem, NULL);
	memset(s, 0, sizeof *s);
}

static void release(struct vy_backend *b)
{
	struct vk *v = b->impl;

	if (v) {
		if (v->dev && v->vkDestroyDevice) {
			if (v->vkDeviceWaitIdle)
				v->vkDeviceWaitIdle(v->dev);
			while (v->pipes) {
				struct vkpipe *next = v->pipes->next;
				free_pipe(v, v->pipes);
				v->pipes = next;
			}
			for (int i = 0; i < VY_MAX_IO; i++)
				free_slot(v, &v->slots[i]);
			if (v->fence) v->vkDestroyFence(v->dev, v->fence, NULL);
			if (v->qpool) v->vkDestroyQueryPool(v->dev, v->qpool, NULL);
			if (v->cpool) v->vkDestroyCommandPool(v->dev, v->cpool, NULL);
			v->vkDestroyDevice(v->dev, NULL);
		}
		if (v->messenger)
			v->vkDestroyDebugUtilsMessengerEXT(v->inst, v->messenger, NULL);
		if (v->inst)
			v->vkDestroyInstance(v->inst, NULL);
		if (v->lib)
			dlclose(v->lib);
		free(v->vmsg);
		free(v);
	}
	free(b);
}

/* ---- programs: SPIR-V, shader module, pipeline ---- */

static int load_spirv(struct vk *v, const struct vy_program *p, struct vy_buf *out,
		      char **err)
{
	const char *path = getenv("VYREC_SPV_OVERRIDE");
	struct vy_emit_config c = { .opt_level = 1, .vk_minor = 1, .validate = true,
				    .fast_math = p->fast_math, .fma_mode = v->fma };
	char *emsg = NULL;
	size_t n;

	char *part_path = NULL;   /* a pipeline: "DIR/NAME.%s.spv", %s the part */
	const char *at = path && p->entry_point ? strstr(path, "%s") : NULL;
	if (at)
		path = part_path = vy_strf("%.*s%s%s", (int)(at - path), path,
					   p->entry_point, at + 2);
	if (path && *path) {
		char *e = NULL, *data = vy_read_file(path, &n, VY_MAX_FILE, &e);
		free(part_path);
		if (!data) {
			*err = vy_strf("vulkan: VYREC_SPV_OVERRIDE: %s. Fix: point "
				       "VYREC_SPV_OVERRIDE at a SPIR-V file or unset it", e);
			free(e);
			return -1;
		}
		vy_buf_put(out, data, n);
		free(data);
	} else if (vy_emit(&vy_emitter_spv, p, &c, out, &emsg) != VY_EMIT_OK) {
		*err = vy_strf("kernel compile failed for target `spv`: %s",
			       emsg ? emsg : "(no message)");
		free(emsg);
		return -1;
	}
	if (out->len < 20 || out->len % 4 || *(uint32_t *)out->data != 0x07230203) {
		*err = vy_strf("vulkan: %s is not a SPIR-V module (%zu bytes, no magic "
			       "number). Fix: give a binary .spv file", path ? path :
			       "the spv emitter's output", out->len);
		return -1;
	}
	return 0;
}

static int create_layouts(struct vk *v, struct vkpipe *k, const struct vy_program *p,
			  char **err)
{
	VkDescriptorSetLayoutBinding lb[VY_MAX_IO];
	VkPushConstantRange pc = {
		.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		.size = vy_param_block_size(p),   /* 4 a param; 8-byte ones 8, aligned */
	};
	VkDescriptorSetLayoutCreateInfo li = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
		.bindingCount = (uint32_t)p->nbuffers, .pBindings = lb,
	};
	VkPipelineLayoutCreateInfo pli = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
		.setLayoutCount = 1, .pSetLayouts = &k->dsl,
		.pushConstantRangeCount = p->nparams ? 1 : 0,
		.pPushConstantRanges = &pc,
	};
	VkResult r;

	for (int i = 0; i < p->nbuffers; i++)
		lb[i] = (VkDescriptorSetLayoutBinding){
			.binding = (uint32_t)p->buffers[i].binding,
			.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
			.descriptorCount = 1,
			.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		};
	if ((r = v->vkCreateDescriptorSetLayout(v->dev, &li, NULL, &k->dsl)) != VK_SUCCESS) {
		*err = vkfail("vkCreateDescriptorSetLayout", r);
		return -1;
	}
	if ((r = v->vkCreatePipelineLayout(v->dev, &pli, NULL, &k->layout)) != VK_SUCCESS) {
		*err = vkfail("vkCreatePipelineLayout", r);
		return -1;
	}
	return 0;
}

/* A pool with one set of p->nbuffers storage buffers (none when 0). */
static int create_set(struct vk *v, struct vkpipe *k, const struct vy_program *p,
		      char **err)
{
	VkDescriptorPoolSize ps = {
		.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		.descriptorCount = (uint32_t)p->nbuffers,
	};
	VkDescriptorPoolCreateInfo pi = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
		.maxSets = 1, .poolSizeCount = 1, .pPoolSizes = &ps,
	};
	VkDescriptorSetAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
		.descriptorSetCount = 1, .pSetLayouts = &k->dsl,
	};
	VkResult r;

	if (!p->nbuffers)
		return 0;
	if ((r = v->vkCreateDescriptorPool(v->dev, &pi, NULL, &k->dpool)) != VK_SUCCESS) {
		*err = vkfail("vkCreateDescriptorPool", r);
		return -1;
	}
	ai.descriptorPool = k->dpool;
	if ((r = v->vkAllocateDescriptorSets(v->dev, &ai, &k->set)) != VK_SUCCESS) {
		*err = vkfail("vkAllocateDescriptorSets", r);
		return -1;
	}
	return 0;
}

/* The stage's pNext: p's subgroup_size as the required subgroup size,
 * where it is not the device's own (check_subgroup let it through). */
static const void *sg_required(struct vk *v, const struct vy_program *p,
			       VkPipelineShaderStageRequiredSubgroupSizeCreateInfoEXT *rs)
{
	if (!p->subgroup_size || !v->sg_control || p->subgroup_size < v->sg_min ||
	    p->subgroup_size > v->sg_max)
		return NULL;
	*rs = (VkPipelineShaderStageRequiredSubgroupSizeCreateInfoEXT){
		.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO_EXT,
		.requiredSubgroupSize = p->subgroup_size,
	};
	return rs;
}

static int create_pipeline(struct vk *v, struct vkpipe *k, struct vy_buf *spv,
			   char **err)
{
	VkShaderModuleCreateInfo mi = {
		.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
		.codeSize = spv->len, .pCode = (const uint32_t *)spv->data,
	};
	VkComputePipelineCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
		.stage = {
			.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
			.stage = VK_SHADER_STAGE_COMPUTE_BIT, .pName = "main",
		},
		.layout = k->layout,
	};
	VkResult r;

	ci.stage.pNext = sg_required(v, k->prog, &k->sg_req);
	if ((r = v->vkCreateShaderModule(v->dev, &mi, NULL, &k->module)) != VK_SUCCESS) {
		*err = vkfail("vkCreateShaderModule", r);
		return -1;
	}
	ci.stage.module = k->module;
	r = v->vkCreateComputePipelines(v->dev, VK_NULL_HANDLE, 1, &ci, NULL, &k->pipeline);
	if (r != VK_SUCCESS) {
		*err = vkfail("vkCreateComputePipelines", r);
		return -1;
	}
	return take_vmsg(v, "pipeline creation", err);
}

/* The DISPATCH_BASE twin of k's pipeline, for split grids. */
static int create_pipeline_base(struct vk *v, struct vkpipe *k, char **err)
{
	VkComputePipelineCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
		.flags = VK_PIPELINE_CREATE_DISPATCH_BASE_BIT,
		.stage = {
			.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
			.stage = VK_SHADER_STAGE_COMPUTE_BIT, .pName = "main",
			.module = k->module,
		},
		.layout = k->layout,
	};
	VkResult r;

	if (k->pipeline_base)
		return 0;
	ci.stage.pNext = sg_required(v, k->prog, &k->sg_req);
	r = v->vkCreateComputePipelines(v->dev, VK_NULL_HANDLE, 1, &ci, NULL,
					&k->pipeline_base);
	if (r != VK_SUCCESS) {
		*err = vkfail("vkCreateComputePipelines (DISPATCH_BASE)", r);
		return -1;
	}
	return take_vmsg(v, "pipeline creation", err);
}

static int check_limits(struct vk *v, const struct vy_program *p, char **err)
{
	const VkPhysicalDeviceLimits *l = &v->props.limits;
	uint32_t inv = p->wgsize[0] * p->wgsize[1] * p->wgsize[2];

	for (int i = 0; i < 3; i++)
		if (p->wgsize[i] > l->maxComputeWorkGroupSize[i] ||
		    inv > l->maxComputeWorkGroupInvocations) {
			*err = vy_strf("vulkan: workgroup_size %ux%ux%u exceeds device `%s` "
				       "limits (%u invocations, axis %d at most %u). Fix: use "
				       "a smaller workgroup_size", p->wgsize[0], p->wgsize[1],
				       p->wgsize[2], v->props.deviceName,
				       l->maxComputeWorkGroupInvocations, i,
				       l->maxComputeWorkGroupSize[i]);
			return -1;
		}
	if (vy_param_block_size(p) > l->maxPushConstantsSize) {
		*err = vy_strf("vulkan: %d params need %u bytes of push constants; device "
			       "`%s` has %u. Fix: pass fewer params", p->nparams,
			       vy_param_block_size(p), v->props.deviceName, l->maxPushConstantsSize);
		return -1;
	}
	return 0;
}

/* The cached pipeline of p, built on first use. */
static struct vkpipe *get_pipe(struct vk *v, const struct vy_program *p, char **err)
{
	struct vkpipe *k;
	struct vy_buf spv = {0};

	for (k = v->pipes; k; k = k->next)
		if (k->prog == p)
			return k;
	if (check_limits(v, p, err) || check_features(v, p, err) || check_subgroup(v, p, err) ||
	    load_spirv(v, p, &spv, err))
		goto fail_buf;
	k = calloc(1, sizeof *k);
	if (!k) {
		*err = vkfail("calloc", VK_ERROR_OUT_OF_HOST_MEMORY);
		goto fail_buf;
	}
	k->prog = p;
	if (create_layouts(v, k, p, err) || create_set(v, k, p, err) ||
	    create_pipeline(v, k, &spv, err)) {
		free_pipe(v, k);
		goto fail_buf;
	}
	vy_buf_free(&spv);
	k->next = v->pipes;
	v->pipes = k;
	return k;
fail_buf:
	vy_buf_free(&spv);
	return NULL;
}

/* ---- buffers ---- */

/* A memory type in bits with every property of want, or -1. */
static int memory_type(struct vk *v, uint32_t bits, VkMemoryPropertyFlags want)
{
	for (uint32_t i = 0; i < v->mprops.memoryTypeCount; i++)
		if (bits & (1u << i) &&
		    (v->mprops.memoryTypes[i].propertyFlags & want) == want)
			return (int)i;
	return -1;
}

#define MEM_HOST (VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)
#define MEM_DEV VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT
#define MEM_CACHED VK_MEMORY_PROPERTY_HOST_CACHED_BIT

/* Direct mapping when device-local memory is host-visible and cached (a
 * CPU or integrated device); staging twins otherwise.  VYREC_VK_MEMORY
 * forces direct or staging. */
static int choose_memory(struct vk *v, char **err)
{
	const char *force = getenv("VYREC_VK_MEMORY");
	bool direct = memory_type(v, ~0u, MEM_DEV | MEM_HOST | MEM_CACHED) >= 0;

	v->staging = !direct;
	if (force && *force) {
		if (!strcmp(force, "staging"))
			v->staging = true;
		else if (!strcmp(force, "direct") &&
			 memory_type(v, ~0u, MEM_DEV | MEM_HOST) >= 0)
			v->staging = false;
		else {
			*err = vy_strf("vulkan: VYREC_VK_MEMORY=%s: %s. Fix: set it to "
				       "staging%s, or unset it", force, strcmp(force, "direct") ?
				       "not a mode (direct, staging)" :
				       "the device has no host-visible device-local memory",
				       memory_type(v, ~0u, MEM_DEV | MEM_HOST) >= 0 ?
				       " or direct" : "");
			return -1;
		}
	}
	return 0;
}

/* A buffer of size bytes with memory of the first type in want[] that it
 * allows; mapped when map is not NULL. */
static int make_buffer(struct vk *v, VkDeviceSize size, VkBufferUsageFlags usage,
		       const VkMemoryPropertyFlags *want, int nwant, VkBuffer *buf,
		       VkDeviceMemory *mem, void **map, char **err)
{
	VkBufferCreateInfo bi = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.size = size, .usage = usage,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkMemoryRequirements req;
	VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
	VkResult r;
	int mt = -1;

	if ((r = v->vkCreateBuffer(v->dev, &bi, NULL, buf)) != VK_SUCCESS)
		return *err = vkfail("vkCreateBuffer", r), -1;
	v->vkGetBufferMemoryRequirements(v->dev, *buf, &req);
	for (int w = 0; w < nwant && mt < 0; w++)
		mt = memory_type(v, req.memoryTypeBits, want[w]);
	if (mt < 0) {
		*err = vy_strf("vulkan: device `%s` has no %s memory for storage buffers. "
			       "Fix: use another --device or --backend", v->props.deviceName,
			       map ? "host-visible coherent" : "device-local");
		return -1;
	}
	ai.allocationSize = req.size;
	ai.memoryTypeIndex = (uint32_t)mt;
	*(map ? &v->mt_stage : &v->mt_buf) = mt;
	if ((r = v->vkAllocateMemory(v->dev, &ai, NULL, mem)) != VK_SUCCESS)
		return *err = vkfail("vkAllocateMemory", r), -1;
	if ((r = v->vkBindBufferMemory(v->dev, *buf, *mem, 0)) != VK_SUCCESS)
		return *err = vkfail("vkBindBufferMemory", r), -1;
	if (map && (r = v->vkMapMemory(v->dev, *mem, 0, VK_WHOLE_SIZE, 0, map)) != VK_SUCCESS)
		return *err = vkfail("vkMapMemory", r), -1;
	return 0;
}

static int make_slot(struct vk *v, struct vkslot *s, VkDeviceSize size, char **err)
{
	static const VkMemoryPropertyFlags direct[] = {
		MEM_DEV | MEM_HOST | MEM_CACHED, MEM_DEV | MEM_HOST,
	}, dev[] = { MEM_DEV, 0 }, host[] = { MEM_HOST | MEM_CACHED, MEM_HOST };
	VkBufferUsageFlags xfer = VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
		VK_BUFFER_USAGE_TRANSFER_DST_BIT;

	free_slot(v, s);
	if (!v->staging) {
		if (make_buffer(v, size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, direct, 2,
				&s->buf, &s->mem, &s->map, err))
			return -1;
	} else if (make_buffer(v, size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | xfer, dev, 2,
			       &s->buf, &s->mem, NULL, err) ||
		   make_buffer(v, size, xfer, host, 2, &s->stage, &s->smem, &s->map, err))
		return -1;
	s->cap = size;
	return 0;
}

/* Make each buffer's slot big enough, copy the host data in and point the
 * descriptor set at exactly count*4 bytes (rewriting only what changed). */
static int bind_buffers(struct vk *v, struct vkpipe *k, struct vy_run *run, char **err)
{
	const struct vy_program *p = run->prog;
	VkDescriptorBufferInfo info[VY_MAX_IO];
	VkWriteDescriptorSet w[VY_MAX_IO];
	uint32_t nw = 0;

	for (int i = 0; i < p->nbuffers; i++) {
		VkDeviceSize size = vy_buffer_dev_bytes(p, i, run->launch.counts[i]);
		struct vkslot *s = &v->slots[i];
		if (!size) {
			*err = vy_strf("vulkan: buffer `%s` has 0 elements; Vulkan cannot bind "
				       "an empty storage buffer. Fix: give it at least one "
				       "element (check its count `%s`)", p->buffers[i].name,
				       p->buffers[i].count_text ? p->buffers[i].count_text : "?");
			return -1;
		}
		if (size > v->props.limits.maxStorageBufferRange) {
			*err = vy_strf("vulkan: buffer `%s` of %llu bytes exceeds device `%s`'s "
				       "maxStorageBufferRange %u. Fix: use smaller --param values",
				       p->buffers[i].name, (unsigned long long)size,
				       v->props.deviceName, v->props.limits.maxStorageBufferRange);
			return -1;
		}
		if (s->cap < size && make_slot(v, s, size, err))
			return -1;
		vy_buffer_to_dev(p, i, s->map, run->bufs[i], run->launch.counts[i]);
		if (k->bound[i] == s->buf && k->bound_range[i] == size)
			continue;
		k->bound[i] = s->buf;
		k->bound_range[i] = size;
		info[nw] = (VkDescriptorBufferInfo){ .buffer = s->buf, .range = size };
		w[nw] = (VkWriteDescriptorSet){
			.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
			.dstSet = k->set, .dstBinding = (uint32_t)p->buffers[i].binding,
			.descriptorCount = 1,
			.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
			.pBufferInfo = &info[nw],
		};
		nw++;
	}
	if (nw)
		v->vkUpdateDescriptorSets(v->dev, nw, w, 0, NULL);
	return 0;
}

/* ---- dispatch ---- */

static void barrier(struct vk *v, VkCommandBuffer cb, VkPipelineStageFlags src,
		    VkAccessFlags sa, VkPipelineStageFlags dst, VkAccessFlags da)
{
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = sa, .dstAccessMask = da,
	};
	v->vkCmdPipelineBarrier(cb, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

/* Whether the grid exceeds maxComputeWorkGroupCount on some axis. */
static bool grid_splits(struct vk *v, const uint32_t *g)
{
	for (int i = 0; i < 3; i++)
		if (g[i] > v->props.limits.maxComputeWorkGroupCount[i])
			return true;
	return false;
}

/* Bind, push the params and dispatch the grid: one vkCmdDispatch, or
 * vkCmdDispatchBase per part of at most maxComputeWorkGroupCount. */
static void cmd_dispatch(struct vk *v, VkCommandBuffer cb, struct vkpipe *k,
			 const struct vy_run *run)
{
	const struct vy_program *p = run->prog;
	const uint32_t *g = run->launch.grid, *m = v->props.limits.maxComputeWorkGroupCount;
	bool split = grid_splits(v, g);

	v->vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE,
			     split ? k->pipeline_base : k->pipeline);
	if (p->nbuffers)
		v->vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE,
					   k->layout, 0, 1, &k->set, 0, NULL);
	if (p->nparams) {
		uint64_t block[VY_MAX_PARAMS + 1];   /* the ABI's layout (SPEC §10.10) */
		vy_param_pack(p, run->launch.params, block);
		v->vkCmdPushConstants(cb, k->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
				      vy_param_block_size(p), block);
	}
	if (!split) {
		v->vkCmdDispatch(cb, g[0], g[1], g[2]);
		return;
	}
	for (uint32_t z = 0; z < g[2]; z += m[2])
		for (uint32_t y = 0; y < g[1]; y += m[1])
			for (uint32_t x = 0; x < g[0]; x += m[0])
				v->vkCmdDispatchBase(cb, x, y, z,
						     g[0] - x < m[0] ? g[0] - x : m[0],
						     g[1] - y < m[1] ? g[1] - y : m[1],
						     g[2] - z < m[2] ? g[2] - z : m[2]);
}

/* Copy every buffer's staging twin in (from_host) or the writable ones
 * out. */
static void cmd_copy(struct vk *v, VkCommandBuffer cb, const struct vy_run *run,
		     bool from_host)
{
	const struct vy_program *p = run->prog;

	for (int i = 0; i < p->nbuffers; i++) {
		VkBufferCopy c = { .size = vy_buffer_dev_bytes(p, i, run->launch.counts[i]) };
		if (from_host)
			v->vkCmdCopyBuffer(cb, v->slots[i].stage, v->slots[i].buf, 1, &c);
		else if (p->buffers[i].access != VY_READ_ONLY)
			v->vkCmdCopyBuffer(cb, v->slots[i].buf, v->slots[i].stage, 1, &c);
	}
}

static int record(struct vk *v, struct vkpipe *k, const struct vy_run *run, char **err)
{
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	const VkPipelineStageFlags CS = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
		TR = VK_PIPELINE_STAGE_TRANSFER_BIT, HOST = VK_PIPELINE_STAGE_HOST_BIT;
	const VkAccessFlags SRW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
	VkResult r;

	if ((r = v->vkResetCommandBuffer(v->cmd, 0)) != VK_SUCCESS)
		return *err = vkfail("vkResetCommandBuffer", r), -1;
	if ((r = v->vkBeginCommandBuffer(v->cmd, &bi)) != VK_SUCCESS)
		return *err = vkfail("vkBeginCommandBuffer", r), -1;
	if (v->staging) {
		cmd_copy(v, v->cmd, run, true);
		barrier(v, v->cmd, TR, VK_ACCESS_TRANSFER_WRITE_BIT, CS, SRW);
	}
	cmd_dispatch(v, v->cmd, k, run);
	if (v->staging) {
		barrier(v, v->cmd, CS, VK_ACCESS_SHADER_WRITE_BIT, TR, VK_ACCESS_TRANSFER_READ_BIT);
		cmd_copy(v, v->cmd, run, false);
		barrier(v, v->cmd, TR, VK_ACCESS_TRANSFER_WRITE_BIT, HOST, VK_ACCESS_HOST_READ_BIT);
	} else {
		barrier(v, v->cmd, CS, VK_ACCESS_SHADER_WRITE_BIT, HOST, VK_ACCESS_HOST_READ_BIT);
	}
	if ((r = v->vkEndCommandBuffer(v->cmd)) != VK_SUCCESS)
		return *err = vkfail("vkEndCommandBuffer", r), -1;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Poll the fence for up to SPIN_MS, then block on it: a blocking wait
 * alone costs a thread wake-up (about 40 us on the H200's driver) on
 * every dispatch, which short kernels feel. */
#define SPIN_MS 2.0
static VkResult wait_fence(struct vk *v)
{
	double t0 = now_ms();
	VkResult r;

	while ((r = v->vkGetFenceStatus(v->dev, v->fence)) == VK_NOT_READY)
		if (now_ms() - t0 > SPIN_MS)
			return v->vkWaitForFences(v->dev, 1, &v->fence, VK_TRUE, TIMEOUT_NS);
	return r;
}

static int submit_and_wait(struct vk *v, VkCommandBuffer cb, char **err)
{
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1, .pCommandBuffers = &cb,
	};
	VkResult r;

	if ((r = v->vkQueueSubmit(v->queue, 1, &si, v->fence)) != VK_SUCCESS)
		return *err = vkfail("vkQueueSubmit", r), -1;
	r = wait_fence(v);
	if (r == VK_TIMEOUT) {
		*err = vy_strf("vulkan: the dispatch did not finish within 60 s "
			       "(vkWaitForFences returned VK_TIMEOUT). Fix: %s",
			       result_fix(VK_TIMEOUT));
		return -1;
	}
	if (r != VK_SUCCESS)
		return *err = vkfail("vkWaitForFences", r), -1;
	if ((r = v->vkResetFences(v->dev, 1, &v->fence)) != VK_SUCCESS)
		return *err = vkfail("vkResetFences", r), -1;
	return 0;
}

static int check_grid(struct vk *v, const struct vy_run *run, char **err)
{
	static const char axis[] = "xyz";

	if (vy_launch_check_grid(run->prog, &run->launch, err))
		return -1;
	for (int i = 0; i < 3; i++) {
		uint32_t g = run->launch.grid[i];
		if (g > v->props.limits.maxComputeWorkGroupCount[i] &&
		    vy_block_reads_builtin(VY_B_NWG, &run->prog->entry)) {
			*err = vy_strf("vulkan: grid axis %c needs %u workgroups; device `%s` "
				       "allows %u in one dispatch, and the program reads nwg, "
				       "which a grid split into several dispatches would change. "
				       "Fix: use a larger workgroup_size or smaller --param "
				       "values, or compute the grid size from params instead of nwg",
				       axis[i], g, v->props.deviceName,
				       v->props.limits.maxComputeWorkGroupCount[i]);
			return -1;
		}
	}
	return 0;
}

/* Checks, the cached pipeline (and its DISPATCH_BASE twin when the grid
 * splits), and the buffers copied in. */
static struct vkpipe *prepare(struct vk *v, struct vy_run *run, char **err)
{
	struct vkpipe *k;

	*err = NULL;
	if (take_vmsg(v, "set-up", err) || check_grid(v, run, err))
		return NULL;
	if (!(k = get_pipe(v, run->prog, err)))
		return NULL;
	if (grid_splits(v, run->launch.grid) && create_pipeline_base(v, k, err))
		return NULL;
	if (bind_buffers(v, k, run, err))
		return NULL;
	return k;
}

static int dispatch(struct vy_backend *b, struct vy_run *run, char **err)
{
	struct vk *v = b->impl;
	const struct vy_program *p = run->prog;
	struct vkpipe *k;

	if (!(k = prepare(v, run, err)))
		return -1;
	if (record(v, k, run, err) || submit_and_wait(v, v->cmd, err) ||
	    take_vmsg(v, "dispatch", err))
		return -1;
	for (int i = 0; i < p->nbuffers; i++)
		if (p->buffers[i].access != VY_READ_ONLY)
			vy_buffer_from_dev(p, i, run->bufs[i], v->slots[i].map,
					   run->launch.counts[i]);
	return 0;
}

/* ---- pipelines (SPEC §10.5): every dispatch in one command buffer ---- */

/* The buffers copied in once, each part's pipeline bound to them, the
 * dispatches recorded with a compute-to-compute barrier between them and
 * each its own push constants, one submission, the writable buffers
 * copied out once. */
static int pipeline(struct vy_backend *b, struct vy_run *run,
		    const struct vy_pipe_dispatch *d, size_t n, char **err)
{
	struct vk *v = b->impl;
	const struct vy_program *p = run->prog;
	const VkPipelineStageFlags CS = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
		TR = VK_PIPELINE_STAGE_TRANSFER_BIT, HOST = VK_PIPELINE_STAGE_HOST_BIT;
	const VkAccessFlags SRW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	struct vkpipe **kp = calloc((size_t)p->nparts, sizeof *kp);
	b->pipe_note = "one vulkan command buffer, a barrier between dispatches";
	VkResult r;
	int rc = -1;

	*err = NULL;
	if (!kp)
		return *err = vkfail("calloc", VK_ERROR_OUT_OF_HOST_MEMORY), -1;
	if (take_vmsg(v, "set-up", err))
		goto done;
	for (size_t i = 0; i < n; i++) {
		struct vy_run pr = *run;
		pr.prog = p->parts[d[i].part];
		pr.launch = d[i].launch;
		struct vkpipe **k = &kp[d[i].part];
		if (check_grid(v, &pr, err) || (!*k && !(*k = get_pipe(v, pr.prog, err))) ||
		    (grid_splits(v, pr.launch.grid) && create_pipeline_base(v, *k, err)))
			goto done;
	}
	for (int i = 0; i < p->nparts; i++)
		if (kp[i]) {
			struct vy_run pr = *run;
			pr.prog = p->parts[i];
			if (bind_buffers(v, kp[i], &pr, err))
				goto done;
		}
	if ((r = v->vkResetCommandBuffer(v->cmd, 0)) != VK_SUCCESS ||
	    (r = v->vkBeginCommandBuffer(v->cmd, &bi)) != VK_SUCCESS) {
		*err = vkfail("vkBeginCommandBuffer", r);
		goto done;
	}
	if (v->staging) {
		cmd_copy(v, v->cmd, run, true);
		barrier(v, v->cmd, TR, VK_ACCESS_TRANSFER_WRITE_BIT, CS, SRW);
	}
	for (size_t i = 0; i < n; i++) {
		struct vy_run pr = *run;
		pr.prog = p->parts[d[i].part];
		pr.launch = d[i].launch;
		if (i)
			barrier(v, v->cmd, CS, VK_ACCESS_SHADER_WRITE_BIT, CS, SRW);
		cmd_dispatch(v, v->cmd, kp[d[i].part], &pr);
	}
	if (v->staging) {
		barrier(v, v->cmd, CS, VK_ACCESS_SHADER_WRITE_BIT, TR, VK_ACCESS_TRANSFER_READ_BIT);
		cmd_copy(v, v->cmd, run, false);
		barrier(v, v->cmd, TR, VK_ACCESS_TRANSFER_WRITE_BIT, HOST, VK_ACCESS_HOST_READ_BIT);
	} else
		barrier(v, v->cmd, CS, VK_ACCESS_SHADER_WRITE_BIT, HOST, VK_ACCESS_HOST_READ_BIT);
	if ((r = v->vkEndCommandBuffer(v->cmd)) != VK_SUCCESS) {
		*err = vkfail("vkEndCommandBuffer", r);
		goto done;
	}
	if (submit_and_wait(v, v->cmd, err) || take_vmsg(v, "dispatch", err))
		goto done;
	for (int i = 0; i < p->nbuffers; i++)
		if (p->buffers[i].access != VY_READ_ONLY)
			memcpy(run->bufs[i], v->slots[i].map,
			       (size_t)run->launch.counts[i] * vy_buffer_elem_size(p, i));
	rc = 0;
done:
	free(kp);
	return rc;
}

/* ---- --bench: timestamps around the dispatch alone ---- */

/* bcmd: reset the two queries, a barrier after the last run's writes,
 * timestamp, the dispatch, timestamp.  Recorded once, submitted n+1 times. */
static int record_bench(struct vk *v, struct vkpipe *k, const struct vy_run *run,
			char **err)
{
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
	};
	VkQueryPoolCreateInfo qi = {
		.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
		.queryType = VK_QUERY_TYPE_TIMESTAMP, .queryCount = 2,
	};
	const VkAccessFlags SRW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
	VkResult r;

	if (v->ts_bits && !v->qpool &&
	    (r = v->vkCreateQueryPool(v->dev, &qi, NULL, &v->qpool)) != VK_SUCCESS)
		return *err = vkfail("vkCreateQueryPool", r), -1;
	if ((r = v->vkResetCommandBuffer(v->bcmd, 0)) != VK_SUCCESS)
		return *err = vkfail("vkResetCommandBuffer", r), -1;
	if ((r = v->vkBeginCommandBuffer(v->bcmd, &bi)) != VK_SUCCESS)
		return *err = vkfail("vkBeginCommandBuffer", r), -1;
	barrier(v, v->bcmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
		VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, SRW);
	if (v->ts_bits) {
		v->vkCmdResetQueryPool(v->bcmd, v->qpool, 0, 2);
		v->vkCmdWriteTimestamp(v->bcmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, v->qpool, 0);
	}
	cmd_dispatch(v, v->bcmd, k, run);
	if (v->ts_bits)
		v->vkCmdWriteTimestamp(v->bcmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, v->qpool, 1);
	if ((r = v->vkEndCommandBuffer(v->bcmd)) != VK_SUCCESS)
		return *err = vkfail("vkEndCommandBuffer", r), -1;
	return 0;
}

static int bench(struct vy_backend *b, struct vy_run *run, int n, double *gpu_ms,
		 double *wall_ms, const char **timer, char **err)
{
	struct vk *v = b->impl;
	struct vkpipe *k;
	uint64_t ts[2];
	uint64_t mask = v->ts_bits >= 64 ? ~0ull : (1ull << v->ts_bits) - 1;
	VkResult r;

	char mem[64];
	if (v->staging)
		snprintf(mem, sizeof mem, "device-local + staging (types %d, %d)",
			 v->mt_buf, v->mt_stage);
	else
		snprintf(mem, sizeof mem, "device-local, mapped (type %d)", v->mt_stage);
	snprintf(v->timer, sizeof v->timer, "%s; memory %s; fma %s",
		 v->ts_bits ? "vulkan timestamps" : "wall clock, the queue has no timestamps",
		 mem, fma_name(v->fma));
	*timer = v->timer;
	if (!(k = prepare(v, run, err)))
		return -1;
	/* the copy in (staging) as a run does it, then the timed dispatches */
	if (record(v, k, run, err) || submit_and_wait(v, v->cmd, err) ||
	    record_bench(v, k, run, err))
		return -1;
	for (int i = -1; i < n; i++) {
		double t0 = now_ms();
		if (submit_and_wait(v, v->bcmd, err))
			return -1;
		double t1 = now_ms();
		if (i < 0)
			continue;   /* warm-up */
		wall_ms[i] = t1 - t0;
		gpu_ms[i] = wall_ms[i];
		if (!v->ts_bits)
			continue;
		r = v->vkGetQueryPoolResults(v->dev, v->qpool, 0, 2, sizeof ts, ts,
					     sizeof ts[0], VK_QUERY_RESULT_64_BIT |
					     VK_QUERY_RESULT_WAIT_BIT);
		if (r != VK_SUCCESS)
			return *err = vkfail("vkGetQueryPoolResults", r), -1;
		gpu_ms[i] = (double)((ts[1] - ts[0]) & mask) *
			v->props.limits.timestampPeriod / 1e6;
	}
	return take_vmsg(v, "bench", err);
}

/* --bench of a pipeline (SPEC §10.5): one whole run on copies of the
 * writable buffers (the copy in, every dispatch, the copy out; also the
 * warm-up), then the dispatches alone, recorded once into bcmd between two
 * timestamps with the run's compute-to-compute barriers between them, and
 * submitted n times: the GPU time of the pipeline, no copies in it. */
static int bench_pipeline(struct vy_backend *b, struct vy_run *run, int n, double *gpu_ms,
			  double *wall_ms, const char **timer, char **err)
{
	struct vk *v = b->impl;
	const struct vy_program *p = run->prog;
	const VkPipelineStageFlags CS = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
	const VkAccessFlags SRW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
	VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
	VkQueryPoolCreateInfo qi = {
		.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
		.queryType = VK_QUERY_TYPE_TIMESTAMP, .queryCount = 2,
	};
	uint64_t mask = v->ts_bits >= 64 ? ~0ull : (1ull << v->ts_bits) - 1, ts[2];
	struct vy_pipe_dispatch *d = NULL;
	size_t nd = 0;
	void *bufs[VY_MAX_IO] = {0};
	struct vy_run rc = *run;
	VkResult r;
	int rv = -1;

	*err = NULL;
	snprintf(v->timer, sizeof v->timer, "%s around the pipeline's dispatches; memory %s; fma %s",
		 v->ts_bits ? "vulkan timestamps" : "wall clock, the queue has no timestamps",
		 v->staging ? "device-local + staging" : "device-local, mapped", fma_name(v->fma));
	*timer = v->timer;
	if (p->nbuffers > VY_MAX_IO || vy_pipeline_flatten(p, &run->launch, &d, &nd, err))
		return *err = *err ? *err : vy_strf("vulkan: too many buffers"), -1;
	for (int i = 0; i < p->nbuffers; i++) {
		size_t size = (size_t)run->launch.counts[i] * vy_buffer_elem_size(p, i);
		bufs[i] = run->bufs[i];
		if (p->buffers[i].access != VY_READ_ONLY) {
			if (!(bufs[i] = malloc(size ? size : 1))) {
				*err = vkfail("malloc", VK_ERROR_OUT_OF_HOST_MEMORY);
				goto done;
			}
			memcpy(bufs[i], run->bufs[i], size);
		}
	}
	rc.bufs = bufs;
	if (pipeline(b, &rc, d, nd, err))
		goto done;
	if (v->ts_bits && !v->qpool &&
	    (r = v->vkCreateQueryPool(v->dev, &qi, NULL, &v->qpool)) != VK_SUCCESS) {
		*err = vkfail("vkCreateQueryPool", r);
		goto done;
	}
	if ((r = v->vkResetCommandBuffer(v->bcmd, 0)) != VK_SUCCESS ||
	    (r = v->vkBeginCommandBuffer(v->bcmd, &bi)) != VK_SUCCESS) {
		*err = vkfail("vkBeginCommandBuffer", r);
		goto done;
	}
	barrier(v, v->bcmd, CS, VK_ACCESS_SHADER_WRITE_BIT, CS, SRW);
	if (v->ts_bits) {
		v->vkCmdResetQueryPool(v->bcmd, v->qpool, 0, 2);
		v->vkCmdWriteTimestamp(v->bcmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, v->qpool, 0);
	}
	for (size_t i = 0; i < nd; i++) {
		struct vy_run pr = rc;
		struct vkpipe *k;
		pr.prog = p->parts[d[i].part];
		pr.launch = d[i].launch;
		if (!(k = get_pipe(v, pr.prog, err)))   /* made and bound by the run */
			goto done;
		if (i)
			barrier(v, v->bcmd, CS, VK_ACCESS_SHADER_WRITE_BIT, CS, SRW);
		cmd_dispatch(v, v->bcmd, k, &pr);
	}
	if (v->ts_bits)
		v->vkCmdWriteTimestamp(v->bcmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, v->qpool, 1);
	if ((r = v->vkEndCommandBuffer(v->bcmd)) != VK_SUCCESS) {
		*err = vkfail("vkEndCommandBuffer", r);
		goto done;
	}
	for (int i = -1; i < n; i++) {
		double t0 = now_ms();
		if (submit_and_wait(v, v->bcmd, err))
			goto done;
		double t1 = now_ms();
		if (i < 0)
			continue;   /* warm-up */
		wall_ms[i] = gpu_ms[i] = t1 - t0;
		if (!v->ts_bits)
			continue;
		r = v->vkGetQueryPoolResults(v->dev, v->qpool, 0, 2, sizeof ts, ts, sizeof ts[0],
					     VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
		if (r != VK_SUCCESS) {
			*err = vkfail("vkGetQueryPoolResults", r);
			goto done;
		}
		gpu_ms[i] = (double)((ts[1] - ts[0]) & mask) * v->props.limits.timestampPeriod / 1e6;
	}
	rv = take_vmsg(v, "bench", err);
done:
	for (int i = 0; i < p->nbuffers && i < VY_MAX_IO; i++)
		if (bufs[i] && bufs[i] != run->bufs[i])
			free(bufs[i]);
	free(d);
	return rv;
}

/* ---- registration ---- */

static struct vy_backend *factory(int device, char **err)
{
	struct vy_backend *b = calloc(1, sizeof *b);
	struct vk *v = calloc(1, sizeof *v);

	*err = NULL;
	if (!b || !v) {
		free(b);
		free(v);
		*err = vkfail("calloc", VK_ERROR_OUT_OF_HOST_MEMORY);
		return NULL;
	}
	b->id = "vulkan";
	b->impl = v;
	b->dispatch = dispatch;
	b->pipeline = pipeline;
	b->stream = vy_backend_stream;
	b->bench = bench;
	b->bench_pipeline = bench_pipeline;
	b->release = release;
	if (open_loader(v, err) || create_instance(v, err) ||
	    pick_physical(v, device, err) || choose_fma(v, err) ||
	    (query_storage(v), 0) || (query_fatomic(v), 0) || (query_subgroup(v), 0) ||
	    choose_memory(v, err) || create_device(v, err) ||
	    create_submit_objects(v, err) || take_vmsg(v, "set-up", err)) {
		release(b);
		return NULL;
	}
	snprintf(b->device_name, sizeof b->device_name, "%s", v->props.deviceName);
	b->subgroup_size = v->sg_size;
	return b;
}

static bool supports(enum vy_opcode op)
{
	return op < VY_OP_COUNT;
}

const struct vy_backend_reg vy_backend_vulkan = {
	.id = "vulkan",
	.summary = "Vulkan compute devices, lavapipe included (loads SPIR-V)",
	.version = VY_VERSION,
	.factory = factory,
	.supports = supports,
};
