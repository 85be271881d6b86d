/*
 * drv_spv.c: runs the SPIR-V kernel through Vulkan.  libvulkan.so.1 is
 * opened with dlopen at run time, so building needs no Vulkan SDK: the few
 * types, constants and entry points used are declared below (values from
 * vulkan_core.h).  One instance, the first device with a compute queue (or
 * --device N), one storage buffer per kernel buffer at its binding with its
 * exact size (an x3 vector element 16 bytes), the params as push constants
 * at their offsets (0, 4, 8 ..., a 64-bit one aligned to 8).  The device
 * features the program's types need (shaderFloat64, shaderInt64, 8- and
 * 16-bit storage) are checked and enabled at open.
 *
 * Storage buffers live in device-local memory: mapped directly where that
 * memory is host-visible and cached (CPU and integrated devices), else
 * (a discrete GPU) with a host-visible staging twin per buffer that the
 * command buffer copies in before and out after the dispatch.  The
 * pipeline, descriptor set, buffers and command buffer are made once and
 * reused; the command buffer is re-recorded only when what it holds
 * changes (the params pushed, the counts, the grid, which staging copies
 * it makes), so every run pushes its own params and a repeated one costs
 * one submit and one fence wait.  Resident buffers (drv_put, drv_get):
 * an upload goes into the mapped memory (staging: copied to the device at
 * the next dispatch), a download after a dispatch copies the buffer back
 * through its staging twin first.  A small NAME_run (every buffer at most
 * VYREC_VK_SMALL bytes, 64 KiB) skips the copies: the kernel runs on the
 * staging twins themselves (host memory the device reads and writes), so
 * it costs one submit of the dispatch alone, as a resident dispatch does.
 * A grid beyond maxComputeWorkGroupCount is split into
 * vkCmdDispatchBase calls.  The exact fma variant embedded in program.c
 * is chosen at load time: OpFmaKHR with VK_KHR_shader_fma, the f64 one with
 * shaderFloat64, else the f32 emulation (VYREC_VK_FMA=emulate|f64|khr and
 * VYREC_VK_MEMORY=direct|staging force a choice).  --bench brackets the
 * dispatch alone with timestamp queries.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "launcher.h"

/* ---- Vulkan declarations (vulkan_core.h) ---- */

typedef int32_t VkResult;
typedef uint32_t VkFlags, VkBool32;
typedef uint64_t VkDeviceSize;
typedef struct VkInstance_T *VkInstance;
typedef struct VkPhysicalDevice_T *VkPhysicalDevice;
typedef struct VkDevice_T *VkDevice;
typedef struct VkQueue_T *VkQueue;
typedef struct VkCommandBuffer_T *VkCommandBuffer;
typedef uint64_t VkBuffer, VkDeviceMemory, VkShaderModule, VkPipeline,
	VkPipelineLayout, VkDescriptorSetLayout, VkDescriptorPool,
	VkDescriptorSet, VkCommandPool, VkFence, VkPipelineCache, VkQueryPool;

enum {
	VK_SUCCESS = 0,
	VK_STRUCTURE_TYPE_APPLICATION_INFO = 0,
	VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO = 1,
	VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO = 2,
	VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO = 3,
	VK_STRUCTURE_TYPE_SUBMIT_INFO = 4,
	VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO = 5,
	VK_STRUCTURE_TYPE_FENCE_CREATE_INFO = 8,
	VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO = 11,
	VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2 = 1000059000,
	VY_STRUCTURE_TYPE_SHADER_FMA_FEATURES_KHR = 1000579000,  /* newer than some headers */
	VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO = 12,
	VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO = 16,
	VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO = 18,
	VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO = 29,
	VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO = 30,
	VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO = 32,
	VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO = 33,
	VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO = 34,
	VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET = 35,
	VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO = 39,
	VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO = 40,
	VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO = 42,
	VK_STRUCTURE_TYPE_MEMORY_BARRIER = 46,
	VK_QUEUE_COMPUTE_BIT = 0x2,
	VK_BUFFER_USAGE_TRANSFER_SRC_BIT = 0x1,
	VK_BUFFER_USAGE_TRANSFER_DST_BIT = 0x2,
	VK_BUFFER_USAGE_STORAGE_BUFFER_BIT = 0x20,
	VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT = 0x1,
	VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT = 0x2,
	VK_MEMORY_PROPERTY_HOST_COHERENT_BIT = 0x4,
	VK_MEMORY_PROPERTY_HOST_CACHED_BIT = 0x8,
	VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT = 0x2,
	VK_PIPELINE_CREATE_DISPATCH_BASE_BIT = 0x10,
	VK_QUERY_TYPE_TIMESTAMP = 2,
	VK_QUERY_RESULT_64_BIT = 0x1,
	VK_QUERY_RESULT_WAIT_BIT = 0x2,
	VK_DESCRIPTOR_TYPE_STORAGE_BUFFER = 7,
	VK_SHADER_STAGE_COMPUTE_BIT = 0x20,
	VK_PIPELINE_BIND_POINT_COMPUTE = 1,
	VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT = 0x1,
	VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT = 0x800,
	VK_PIPELINE_STAGE_TRANSFER_BIT = 0x1000,
	VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT = 0x2000,
	VK_PIPELINE_STAGE_HOST_BIT = 0x4000,
	VK_ACCESS_SHADER_READ_BIT = 0x20,
	VK_ACCESS_SHADER_WRITE_BIT = 0x40,
	VK_ACCESS_TRANSFER_READ_BIT = 0x800,
	VK_ACCESS_TRANSFER_WRITE_BIT = 0x1000,
	VK_ACCESS_HOST_READ_BIT = 0x2000,
};
/* Byte offsets in VkPhysicalDeviceProperties (its limits start at 296);
 * tests/t_launcher_c.sh checks them against vulkan_core.h. */
enum {
	OFF_MAX_STORAGE_BUFFER_RANGE = 324,
	OFF_MAX_COMPUTE_WORK_GROUP_COUNT = 516,
	OFF_TIMESTAMP_PERIOD = 720,
	FEATURE_SHADER_FLOAT64 = 39,   /* VkBool32 index in VkPhysicalDeviceFeatures */
	FEATURE_SHADER_INT64 = 40,
	VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES = 1000083000,
	VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES = 1000177000,
	VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES = 1000082000,
};
#define VK_API_VERSION_1_1 ((1u << 22) | (1u << 12))

typedef struct { int32_t sType; const void *pNext; const char *pApplicationName;
	uint32_t applicationVersion; const char *pEngineName; uint32_t engineVersion;
	uint32_t apiVersion; } VkApplicationInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags;
	const VkApplicationInfo *pApplicationInfo; uint32_t enabledLayerCount;
	const char *const *ppEnabledLayerNames; uint32_t enabledExtensionCount;
	const char *const *ppEnabledExtensionNames; } VkInstanceCreateInfo;
/* Only the fields before the limits are read; the rest is room. */
typedef struct { uint32_t apiVersion, driverVersion, vendorID, deviceID, deviceType;
	char deviceName[256]; uint8_t pipelineCacheUUID[16]; uint64_t rest[128];
	} VkPhysicalDeviceProperties;
typedef struct { VkFlags queueFlags; uint32_t queueCount, timestampValidBits;
	uint32_t minImageTransferGranularity[3]; } VkQueueFamilyProperties;
typedef struct { VkFlags propertyFlags; uint32_t heapIndex; } VkMemoryType;
typedef struct { VkDeviceSize size; VkFlags flags; } VkMemoryHeap;
typedef struct { uint32_t memoryTypeCount; VkMemoryType memoryTypes[32];
	uint32_t memoryHeapCount; VkMemoryHeap memoryHeaps[16];
	} VkPhysicalDeviceMemoryProperties;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; uint32_t queueFamilyIndex;
	uint32_t queueCount; const float *pQueuePriorities; } VkDeviceQueueCreateInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; uint32_t queueCreateInfoCount;
	const VkDeviceQueueCreateInfo *pQueueCreateInfos; uint32_t enabledLayerCount;
	const char *const *ppEnabledLayerNames; uint32_t enabledExtensionCount;
	const char *const *ppEnabledExtensionNames; const void *pEnabledFeatures;
	} VkDeviceCreateInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; VkDeviceSize size;
	VkFlags usage; uint32_t sharingMode; uint32_t queueFamilyIndexCount;
	const uint32_t *pQueueFamilyIndices; } VkBufferCreateInfo;
typedef struct { VkDeviceSize size, alignment; uint32_t memoryTypeBits; } VkMemoryRequirements;
typedef struct { int32_t sType; const void *pNext; VkDeviceSize allocationSize;
	uint32_t memoryTypeIndex; } VkMemoryAllocateInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; size_t codeSize;
	const uint32_t *pCode; } VkShaderModuleCreateInfo;
typedef struct { uint32_t binding, descriptorType, descriptorCount; VkFlags stageFlags;
	const void *pImmutableSamplers; } VkDescriptorSetLayoutBinding;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; uint32_t bindingCount;
	const VkDescriptorSetLayoutBinding *pBindings; } VkDescriptorSetLayoutCreateInfo;
typedef struct { VkFlags stageFlags; uint32_t offset, size; } VkPushConstantRange;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; uint32_t setLayoutCount;
	const VkDescriptorSetLayout *pSetLayouts; uint32_t pushConstantRangeCount;
	const VkPushConstantRange *pPushConstantRanges; } VkPipelineLayoutCreateInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; VkFlags stage;
	VkShaderModule module; const char *pName; const void *pSpecializationInfo;
	} VkPipelineShaderStageCreateInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags;
	VkPipelineShaderStageCreateInfo stage; VkPipelineLayout layout;
	VkPipeline basePipelineHandle; int32_t basePipelineIndex; } VkComputePipelineCreateInfo;
typedef struct { uint32_t type, descriptorCount; } VkDescriptorPoolSize;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; uint32_t maxSets;
	uint32_t poolSizeCount; const VkDescriptorPoolSize *pPoolSizes; } VkDescriptorPoolCreateInfo;
typedef struct { int32_t sType; const void *pNext; VkDescriptorPool descriptorPool;
	uint32_t descriptorSetCount; const VkDescriptorSetLayout *pSetLayouts;
	} VkDescriptorSetAllocateInfo;
typedef struct { VkBuffer buffer; VkDeviceSize offset, range; } VkDescriptorBufferInfo;
typedef struct { int32_t sType; const void *pNext; VkDescriptorSet dstSet;
	uint32_t dstBinding, dstArrayElement, descriptorCount, descriptorType;
	const void *pImageInfo; const VkDescriptorBufferInfo *pBufferInfo;
	const void *pTexelBufferView; } VkWriteDescriptorSet;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; uint32_t queueFamilyIndex;
	} VkCommandPoolCreateInfo;
typedef struct { int32_t sType; const void *pNext; VkCommandPool commandPool;
	uint32_t level, commandBufferCount; } VkCommandBufferAllocateInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags;
	const void *pInheritanceInfo; } VkCommandBufferBeginInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags srcAccessMask, dstAccessMask;
	} VkMemoryBarrier;
typedef struct { int32_t sType; const void *pNext; uint32_t waitSemaphoreCount;
	const void *pWaitSemaphores; const VkFlags *pWaitDstStageMask;
	uint32_t commandBufferCount; const VkCommandBuffer *pCommandBuffers;
	uint32_t signalSemaphoreCount; const void *pSignalSemaphores; } VkSubmitInfo;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; } VkFenceCreateInfo;
typedef struct { VkDeviceSize srcOffset, dstOffset, size; } VkBufferCopy;
typedef struct { int32_t sType; const void *pNext; VkFlags flags; uint32_t queryType;
	uint32_t queryCount; VkFlags pipelineStatistics; } VkQueryPoolCreateInfo;
typedef struct { char extensionName[256]; uint32_t specVersion; } VkExtensionProperties;
typedef struct { int32_t sType; void *pNext; VkBool32 features[55]; } VkPhysicalDeviceFeatures2;
typedef struct { int32_t sType; void *pNext; VkBool32 shaderFmaFloat16, shaderFmaFloat32,
	shaderFmaFloat64; } VkPhysicalDeviceShaderFmaFeaturesKHR;
typedef struct { int32_t sType; void *pNext; VkBool32 storageBuffer16BitAccess,
	uniformAndStorageBuffer16BitAccess, storagePushConstant16, storageInputOutput16;
	} VkPhysicalDevice16BitStorageFeatures;
typedef struct { int32_t sType; void *pNext; VkBool32 storageBuffer8BitAccess,
	uniformAndStorageBuffer8BitAccess, storagePushConstant8; } VkPhysicalDevice8BitStorageFeatures;
typedef struct { int32_t sType; void *pNext; VkBool32 shaderFloat16, shaderInt8;
	} VkPhysicalDeviceShaderFloat16Int8Features;

typedef void (*PFN_vkVoidFunction)(void);
typedef PFN_vkVoidFunction (*PFN_vkGetInstanceProcAddr)(VkInstance, const char *);

/* Entry points: name, return type, parameters. */
#define VK_FNS(X) \
	X(vkDestroyInstance, void, (VkInstance, const void *)) \
	X(vkEnumeratePhysicalDevices, VkResult, (VkInstance, uint32_t *, VkPhysicalDevice *)) \
	X(vkGetPhysicalDeviceProperties, void, (VkPhysicalDevice, VkPhysicalDeviceProperties *)) \
	X(vkGetPhysicalDeviceQueueFamilyProperties, void, (VkPhysicalDevice, uint32_t *, VkQueueFamilyProperties *)) \
	X(vkGetPhysicalDeviceMemoryProperties, void, (VkPhysicalDevice, VkPhysicalDeviceMemoryProperties *)) \
	X(vkCreateDevice, VkResult, (VkPhysicalDevice, const VkDeviceCreateInfo *, const void *, VkDevice *)) \
	X(vkDestroyDevice, void, (VkDevice, const void *)) \
	X(vkGetDeviceQueue, void, (VkDevice, uint32_t, uint32_t, VkQueue *)) \
	X(vkCreateBuffer, VkResult, (VkDevice, const VkBufferCreateInfo *, const void *, VkBuffer *)) \
	X(vkDestroyBuffer, void, (VkDevice, VkBuffer, const void *)) \
	X(vkGetBufferMemoryRequirements, void, (VkDevice, VkBuffer, VkMemoryRequirements *)) \
	X(vkAllocateMemory, VkResult, (VkDevice, const VkMemoryAllocateInfo *, const void *, VkDeviceMemory *)) \
	X(vkFreeMemory, void, (VkDevice, VkDeviceMemory, const void *)) \
	X(vkBindBufferMemory, VkResult, (VkDevice, VkBuffer, VkDeviceMemory, VkDeviceSize)) \
	X(vkMapMemory, VkResult, (VkDevice, VkDeviceMemory, VkDeviceSize, VkDeviceSize, VkFlags, void **)) \
	X(vkCreateShaderModule, VkResult, (VkDevice, const VkShaderModuleCreateInfo *, const void *, VkShaderModule *)) \
	X(vkDestroyShaderModule, void, (VkDevice, VkShaderModule, const void *)) \
	X(vkCreateDescriptorSetLayout, VkResult, (VkDevice, const VkDescriptorSetLayoutCreateInfo *, const void *, VkDescriptorSetLayout *)) \
	X(vkDestroyDescriptorSetLayout, void, (VkDevice, VkDescriptorSetLayout, const void *)) \
	X(vkCreatePipelineLayout, VkResult, (VkDevice, const VkPipelineLayoutCreateInfo *, const void *, VkPipelineLayout *)) \
	X(vkDestroyPipelineLayout, void, (VkDevice, VkPipelineLayout, const void *)) \
	X(vkCreateComputePipelines, VkResult, (VkDevice, VkPipelineCache, uint32_t, const VkComputePipelineCreateInfo *, const void *, VkPipeline *)) \
	X(vkDestroyPipeline, void, (VkDevice, VkPipeline, const void *)) \
	X(vkCreateDescriptorPool, VkResult, (VkDevice, const VkDescriptorPoolCreateInfo *, const void *, VkDescriptorPool *)) \
	X(vkDestroyDescriptorPool, void, (VkDevice, VkDescriptorPool, const void *)) \
	X(vkAllocateDescriptorSets, VkResult, (VkDevice, const VkDescriptorSetAllocateInfo *, VkDescriptorSet *)) \
	X(vkUpdateDescriptorSets, void, (VkDevice, uint32_t, const VkWriteDescriptorSet *, uint32_t, const void *)) \
	X(vkCreateCommandPool, VkResult, (VkDevice, const VkCommandPoolCreateInfo *, const void *, VkCommandPool *)) \
	X(vkDestroyCommandPool, void, (VkDevice, VkCommandPool, const void *)) \
	X(vkAllocateCommandBuffers, VkResult, (VkDevice, const VkCommandBufferAllocateInfo *, VkCommandBuffer *)) \
	X(vkBeginCommandBuffer, VkResult, (VkCommandBuffer, const VkCommandBufferBeginInfo *)) \
	X(vkEndCommandBuffer, VkResult, (VkCommandBuffer)) \
	X(vkCmdBindPipeline, void, (VkCommandBuffer, uint32_t, VkPipeline)) \
	X(vkCmdBindDescriptorSets, void, (VkCommandBuffer, uint32_t, VkPipelineLayout, uint32_t, uint32_t, const VkDescriptorSet *, uint32_t, const uint32_t *)) \
	X(vkCmdPushConstants, void, (VkCommandBuffer, VkPipelineLayout, VkFlags, uint32_t, uint32_t, const void *)) \
	X(vkCmdDispatch, void, (VkCommandBuffer, uint32_t, uint32_t, uint32_t)) \
	X(vkCmdPipelineBarrier, void, (VkCommandBuffer, VkFlags, VkFlags, VkFlags, uint32_t, const VkMemoryBarrier *, uint32_t, const void *, uint32_t, const void *)) \
	X(vkCreateFence, VkResult, (VkDevice, const VkFenceCreateInfo *, const void *, VkFence *)) \
	X(vkDestroyFence, void, (VkDevice, VkFence, const void *)) \
	X(vkResetFences, VkResult, (VkDevice, uint32_t, const VkFence *)) \
	X(vkWaitForFences, VkResult, (VkDevice, uint32_t, const VkFence *, VkBool32, uint64_t)) \
	X(vkQueueSubmit, VkResult, (VkQueue, uint32_t, const VkSubmitInfo *, VkFence)) \
	X(vkDeviceWaitIdle, VkResult, (VkDevice)) \
	X(vkGetFenceStatus, VkResult, (VkDevice, VkFence)) \
	X(vkGetPhysicalDeviceFeatures2, void, (VkPhysicalDevice, VkPhysicalDeviceFeatures2 *)) \
	X(vkEnumerateDeviceExtensionProperties, VkResult, (VkPhysicalDevice, const char *, uint32_t *, VkExtensionProperties *)) \
	X(vkResetCommandBuffer, VkResult, (VkCommandBuffer, VkFlags)) \
	X(vkCmdCopyBuffer, void, (VkCommandBuffer, VkBuffer, VkBuffer, uint32_t, const VkBufferCopy *)) \
	X(vkCmdDispatchBase, void, (VkCommandBuffer, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t)) \
	X(vkCreateQueryPool, VkResult, (VkDevice, const VkQueryPoolCreateInfo *, const void *, VkQueryPool *)) \
	X(vkDestroyQueryPool, void, (VkDevice, VkQueryPool, const void *)) \
	X(vkCmdResetQueryPool, void, (VkCommandBuffer, VkQueryPool, uint32_t, uint32_t)) \
	X(vkCmdWriteTimestamp, void, (VkCommandBuffer, VkFlags, VkQueryPool, uint32_t)) \
	X(vkGetQueryPoolResults, VkResult, (VkDevice, VkQueryPool, uint32_t, uint32_t, size_t, void *, VkDeviceSize, VkFlags))

/* One open device; the library keeps one per NAME_open and makes it
 * current (drv_state_set) before each call. */
struct vk_state {
	void *lib;
	PFN_vkGetInstanceProcAddr getproc;
#define X(name, ret, args) ret (*name) args;
	VK_FNS(X)
#undef X
	VkInstance inst;
	VkPhysicalDevice phys;
	VkDevice dev;
	VkQueue queue;
	uint32_t family;
	VkPhysicalDeviceMemoryProperties mem;
	VkPhysicalDeviceProperties props;
	uint32_t ts_bits;           /* the queue's timestampValidBits */
	int staging;                /* device-local buffers + staging twins */
	int float64, khr_fma;       /* device features enabled */
	int int64, st8, st16, khr_8bit;  /* the ones the program's types need */
	int f16;                    /* shaderFloat16 (VK_KHR_shader_float16_int8) */
	const char *fma;            /* the kernel variant: emulate, f64, khr */
	VkBuffer buf[64], stage[64];
	VkDeviceMemory bufmem[64], stagemem[64];
	VkDeviceSize size[64];      /* the buffer's size (kept while big enough) */
	VkDeviceSize range[64];     /* the descriptor's range: this run's size */
	void *map[64];              /* buf's mapping, or stage's */
	VkShaderModule shader;
	VkDescriptorSetLayout dsl;
	VkPipelineLayout layout;
	VkPipeline pipe, pipe_base; /* pipe_base: DISPATCH_BASE, for split grids */
	VkDescriptorPool pool;
	VkDescriptorSet set;
	VkDescriptorSet hset;       /* staging: the set of the staging twins (small runs) */
	VkDeviceSize small;         /* NAME_run binds hset when every buffer is <= this */
	VkCommandPool cpool;
	VkCommandBuffer cmd, xcmd;  /* xcmd: a download's copy (staging) */
	VkFence fence;
	uint64_t pending;           /* staging newer than the device buffer */
	uint64_t stale;             /* staging older than the device buffer */
	int rec_ok;                 /* cmd holds rec_key's recording */
	uint32_t rec_key[64 + 64 + 3 + 6];
	VkQueryPool qpool;
	int mt_buf, mt_stage;       /* memory types of the buffers (last made) */
	VkPipeline *parts, *parts_base;   /* a pipeline's parts (SPEC §10.5), made on first use */
};
static struct vk_state *vkp;
#define vk (*vkp)

void *drv_state(void)
{
	return vkp;
}

void drv_state_set(void *state)
{
	vkp = state;
}

static const char *vk_result_name(VkResult r)
{
	switch (r) {
	case -1: return "VK_ERROR_OUT_OF_HOST_MEMORY";
	case -2: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
	case -3: return "VK_ERROR_INITIALIZATION_FAILED";
	case -4: return "VK_ERROR_DEVICE_LOST";
	case -5: return "VK_ERROR_MEMORY_MAP_FAILED";
	case -6: return "VK_ERROR_LAYER_NOT_PRESENT";
	case -7: return "VK_ERROR_EXTENSION_NOT_PRESENT";
	case -8: return "VK_ERROR_FEATURE_NOT_PRESENT";
	case -9: return "VK_ERROR_INCOMPATIBLE_DRIVER";
	case -13: return "VK_ERROR_UNKNOWN";
	case 2: return "VK_TIMEOUT";
	default: return "a Vulkan error";
	}
}

/* Check a VkResult; the Fix depends on what usually causes the error. */
static int vk_check(VkResult r, const char *call)
{
	if (r == VK_SUCCESS)
		return 0;
	const char *fix = r == -9 ? "install a Vulkan driver for this GPU (or mesa-vulkan-drivers for a CPU device)" :
			  r == -1 || r == -2 ? "use smaller params so the buffers fit in memory" :
			  r == -4 ? "the device was lost (driver reset or hang); rerun, or use smaller params" :
			  "check the Vulkan driver (vulkaninfo --summary) and rerun";
	return drv_fail(fix, "vulkan: %s failed: %s (%d)", call, vk_result_name(r), (int)r);
}

static int load_library(void)
{
	vk.lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!vk.lib)
		return drv_fail("install the Vulkan loader (libvulkan1) and a Vulkan driver (the GPU vendor's, or mesa-vulkan-drivers)",
				"cannot load libvulkan.so.1: %s", dlerror());
	void *sym = dlsym(vk.lib, "vkGetInstanceProcAddr");
	memcpy(&vk.getproc, &sym, sizeof sym);   /* ISO C has no void* to function cast */
	if (!vk.getproc)
		return drv_fail("reinstall the Vulkan loader (libvulkan1)",
				"libvulkan.so.1 has no vkGetInstanceProcAddr");
	return 0;
}

static int create_instance(void)
{
	VkResult (*create)(const VkInstanceCreateInfo *, const void *, VkInstance *);
	create = (VkResult (*)(const VkInstanceCreateInfo *, const void *, VkInstance *))
		vk.getproc(NULL, "vkCreateInstance");
	if (!create)
		return drv_fail("reinstall the Vulkan loader (libvulkan1)", "vulkan: no vkCreateInstance");
	VkApplicationInfo app = { VK_STRUCTURE_TYPE_APPLICATION_INFO, NULL, prog_name, 1,
				  "vyrec", 1, VK_API_VERSION_1_1 };
	VkInstanceCreateInfo ci = { VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, NULL, 0, &app,
				    0, NULL, 0, NULL };
	if (vk_check(create(&ci, NULL, &vk.inst), "vkCreateInstance"))
		return -1;
#define X(name, ret, args) \
	if (!(vk.name = (ret (*) args)vk.getproc(vk.inst, #name))) \
		return drv_fail("update the Vulkan loader and driver to Vulkan 1.1", \
				"vulkan: the loader has no %s", #name);
	VK_FNS(X)
#undef X
	return 0;
}

/* A compute queue family of phys, or -1; *ts its timestampValidBits. */
static int compute_family(VkPhysicalDevice phys, uint32_t *ts)
{
	VkQueueFamilyProperties q[16];
	uint32_t n = 16;
	vk.vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, q);
	for (uint32_t i = 0; i < n && i < 16; i++)
		if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
			*ts = q[i].timestampValidBits;
			return (int)i;
		}
	return -1;
}

static uint32_t limit_u32(size_t off)
{
	uint32_t v;
	memcpy(&v, (const char *)&vk.props + off, 4);
	return v;
}

static float limit_f32(size_t off)
{
	float v;
	memcpy(&v, (const char *)&vk.props + off, 4);
	return v;
}

static int pick_device(int device)
{
	VkPhysicalDevice devs[16];
	uint32_t n = 16;
	VkResult r = vk.vkEnumeratePhysicalDevices(vk.inst, &n, devs);
	if (r < 0)
		return vk_check(r, "vkEnumeratePhysicalDevices");
	if (n == 0)
		return drv_fail("install a Vulkan driver (the GPU vendor's, or mesa-vulkan-drivers for the CPU device lavapipe)",
				"vulkan: no physical device");
	if (device >= (int)n)
		return drv_fail("pick a device that exists (vulkaninfo --summary lists them)",
				"vulkan: device %d does not exist (%u devices)", device, n);
	for (uint32_t i = device < 0 ? 0 : (uint32_t)device; i < n; i++) {
		int fam = compute_family(devs[i], &vk.ts_bits);
		if (fam >= 0) {
			vk.phys = devs[i];
			vk.family = (uint32_t)fam;
			vk.vkGetPhysicalDeviceProperties(devs[i], &vk.props);
			snprintf(drv_device_name, sizeof drv_device_name, "%.255s", vk.props.deviceName);
			if (!(limit_f32(OFF_TIMESTAMP_PERIOD) > 0))
				vk.ts_bits = 0;
			return 0;
		}
		if (device >= 0)
			break;
	}
	return drv_fail("pick a device with a compute queue (vulkaninfo --summary)",
			"vulkan: no device with a compute queue");
}

static int has_extension(const char *name)
{
	static VkExtensionProperties e[512];
	uint32_t n = 512;
	VkResult r = vk.vkEnumerateDeviceExtensionProperties(vk.phys, NULL, &n, e);
	if (r < 0)
		return 0;
	for (uint32_t i = 0; i < n && i < 512; i++)
		if (!strcmp(e[i].extensionName, name))
			return 1;
	return 0;
}

/* Whether VYREC_VK_DISABLE (FEATURE[,FEATURE], as vyrec's vulkan backend
 * reads it) pretends the device lacks feature. */
static int disabled(const char *feature)
{
	const char *d = getenv("VYREC_VK_DISABLE");
	size_t n = strlen(feature);
	for (const char *p = d; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, feature, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* The device features the program's types need (prog_needs, SPEC §10.1):
 * enabled when the device has them, else an error naming the one missing. */
static int check_needs(const VkPhysicalDeviceFeatures2 *f2)
{
	VkPhysicalDevice8BitStorageFeatures f8 = { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES, NULL, 0, 0, 0 };
	VkPhysicalDevice16BitStorageFeatures f16 = { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES, NULL, 0, 0, 0, 0 };
	VkPhysicalDeviceFeatures2 q;
	memset(&q, 0, sizeof q);
	q.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
	q.pNext = &f16;
	VkPhysicalDeviceShaderFloat16Int8Features fh = {
		VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, NULL, 0, 0 };
	vk.khr_8bit = has_extension("VK_KHR_8bit_storage");
	if (vk.khr_8bit)
		f16.pNext = &f8;
	int khr_f16 = has_extension("VK_KHR_shader_float16_int8");
	if (khr_f16) {
		fh.pNext = f16.pNext;
		f16.pNext = &fh;
	}
	if (prog_needs & (NEED_S8 | NEED_S16 | NEED_F16))
		vk.vkGetPhysicalDeviceFeatures2(vk.phys, &q);
	int has_f64 = f2->features[FEATURE_SHADER_FLOAT64] && !disabled("shaderFloat64");
	int has_i64 = f2->features[FEATURE_SHADER_INT64] && !disabled("shaderInt64");
	int has_s8 = vk.khr_8bit && f8.storageBuffer8BitAccess && !disabled("storageBuffer8BitAccess");
	int has_s16 = f16.storageBuffer16BitAccess && !disabled("storageBuffer16BitAccess");
	int has_f16 = khr_f16 && fh.shaderFloat16 && !disabled("shaderFloat16");
	static const struct { int need; const char *name, *what; } want[] = {
		{ NEED_F64, "shaderFloat64", "f64 values" },
		{ NEED_I64, "shaderInt64", "64-bit integer values" },
		{ NEED_S8, "storageBuffer8BitAccess", "u8/i8 buffers" },
		{ NEED_S16, "storageBuffer16BitAccess", "u16/i16/bf16/f16 buffers" },
		{ NEED_F16, "shaderFloat16", "f16 values" },
	};
	int has[] = { has_f64, has_i64, has_s8, has_s16, has_f16 };
	for (int i = 0; i < 5; i++)
		if ((prog_needs & want[i].need) && !has[i])
			return drv_fail("run on a device that has it (vyrec backends lists them), or build the "
					"launcher for another target (-t ptx or -t reference)",
					"vulkan: device `%s` lacks %s, which the program's %s need",
					vk.props.deviceName, want[i].name, want[i].what);
	vk.int64 = (prog_needs & NEED_I64) != 0;
	vk.st8 = (prog_needs & NEED_S8) != 0;
	vk.st16 = (prog_needs & NEED_S16) != 0;
	vk.f16 = (prog_needs & NEED_F16) != 0;
	return 0;
}

/* The fastest exact fma the device has (khr, f64, emulate) and the
 * memory scheme; VYREC_VK_FMA and VYREC_VK_MEMORY force them. */
static int choose(void)
{
	VkPhysicalDeviceShaderFmaFeaturesKHR ff = { VY_STRUCTURE_TYPE_SHADER_FMA_FEATURES_KHR,
						    NULL, 0, 0, 0 };
	VkPhysicalDeviceFeatures2 f2;
	memset(&f2, 0, sizeof f2);
	f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
	int ext = has_extension("VK_KHR_shader_fma");
	f2.pNext = ext ? &ff : NULL;
	vk.vkGetPhysicalDeviceFeatures2(vk.phys, &f2);
	vk.khr_fma = ext && ff.shaderFmaFloat32;
	vk.float64 = f2.features[FEATURE_SHADER_FLOAT64] != 0;
	vk.fma = vk.khr_fma ? "khr" : vk.float64 ? "f64" : "emulate";
	if (check_needs(&f2))
		return -1;
	const char *f = getenv("VYREC_VK_FMA");
	if (f && *f) {
		if (strcmp(f, "emulate") && !(vk.float64 && !strcmp(f, "f64")) &&
		    !(vk.khr_fma && !strcmp(f, "khr")))
			return drv_fail("set VYREC_VK_FMA to emulate, or to f64 or khr where the device has them, or unset it",
					"vulkan: VYREC_VK_FMA=%s is not a mode this device supports", f);
		vk.fma = !strcmp(f, "khr") ? "khr" : !strcmp(f, "f64") ? "f64" : "emulate";
	}
	VkFlags want = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
		       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	vk.vkGetPhysicalDeviceMemoryProperties(vk.phys, &vk.mem);
	int direct_ok = 0, cached = 0;
	for (uint32_t i = 0; i < vk.mem.memoryTypeCount; i++) {
		VkFlags p = vk.mem.memoryTypes[i].propertyFlags;
		direct_ok |= (p & want) == want;
		cached |= (p & want) == want && (p & VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
	}
	vk.staging = !cached;
	const char *sm = getenv("VYREC_VK_SMALL");
	vk.small = 65536;
	if (sm && *sm) {
		char *end;
		unsigned long long v = strtoull(sm, &end, 10);
		if (*end || *sm == '-')
			return drv_fail("set VYREC_VK_SMALL to a number of bytes (0: always copy), or unset it",
					"vulkan: VYREC_VK_SMALL=%s is not a number of bytes", sm);
		vk.small = (VkDeviceSize)v;
	}
	const char *m = getenv("VYREC_VK_MEMORY");
	if (m && *m) {
		if (!strcmp(m, "staging"))
			vk.staging = 1;
		else if (!strcmp(m, "direct") && direct_ok)
			vk.staging = 0;
		else
			return drv_fail("set VYREC_VK_MEMORY to staging (or direct where device memory is host-visible), or unset it",
					"vulkan: VYREC_VK_MEMORY=%s is not a mode this device supports", m);
	}
	return 0;
}

static int create_device(void)
{
	float prio = 1.0f;
	const char *exts[3];
	uint32_t next = 0;
	int khr = !strcmp(vk.fma, "khr");
	VkPhysicalDevice8BitStorageFeatures f8 = { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES, NULL, 1, 0, 0 };
	VkPhysicalDevice16BitStorageFeatures f16 = { VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
						     vk.st8 ? &f8 : NULL, (VkBool32)vk.st16, 0, 0, 0 };
	VkPhysicalDeviceShaderFmaFeaturesKHR ff = { VY_STRUCTURE_TYPE_SHADER_FMA_FEATURES_KHR,
						    NULL, 0, 1, 0 };
	VkPhysicalDeviceShaderFloat16Int8Features fh = {
		VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES, NULL, 1, 0 };
	void *chain = vk.st8 || vk.st16 ? (void *)&f16 : NULL;
	if (vk.f16) {
		fh.pNext = chain;
		chain = &fh;
		exts[next++] = "VK_KHR_shader_float16_int8";
	}
	if (khr) {
		exts[next++] = "VK_KHR_shader_fma";
		ff.pNext = chain;
		chain = &ff;
	}
	if (vk.st8)
		exts[next++] = "VK_KHR_8bit_storage";
	VkBool32 features[55];
	memset(features, 0, sizeof features);
	features[FEATURE_SHADER_FLOAT64] = (VkBool32)vk.float64;
	features[FEATURE_SHADER_INT64] = (VkBool32)vk.int64;
	VkDeviceQueueCreateInfo q = { VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0,
				      vk.family, 1, &prio };
	VkDeviceCreateInfo ci = { VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, chain, 0, 1, &q,
				  0, NULL, next, exts, features };
	if (vk_check(vk.vkCreateDevice(vk.phys, &ci, NULL, &vk.dev), "vkCreateDevice"))
		return -1;
	vk.vkGetDeviceQueue(vk.dev, vk.family, 0, &vk.queue);
	return 0;
}

/* The kernel variant for vk.fma (prog_kernel where it is the same). */
static const unsigned char *kernel(size_t *len)
{
	if (!strcmp(vk.fma, "khr") && prog_kernel_khr_len)
		return *len = prog_kernel_khr_len, prog_kernel_khr;
	if (!strcmp(vk.fma, "f64") && prog_kernel_f64_len)
		return *len = prog_kernel_f64_len, prog_kernel_f64;
	return *len = prog_kernel_len, prog_kernel;
}

/* Descriptor set layout, push constants, shader and pipeline. */
static int create_pipeline(void)
{
	VkDescriptorSetLayoutBinding b[64];
	for (int i = 0; i < prog_nbuffers; i++)
		b[i] = (VkDescriptorSetLayoutBinding){ prog_buffers[i].binding,
			VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, NULL };
	VkDescriptorSetLayoutCreateInfo dci = { VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
						NULL, 0, (uint32_t)prog_nbuffers, b };
	if (vk_check(vk.vkCreateDescriptorSetLayout(vk.dev, &dci, NULL, &vk.dsl), "vkCreateDescriptorSetLayout"))
		return -1;
	VkPushConstantRange pc = { VK_SHADER_STAGE_COMPUTE_BIT, 0, prog_param_bytes };
	VkPipelineLayoutCreateInfo lci = { VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, NULL, 0,
					   1, &vk.dsl, prog_nparams ? 1 : 0, &pc };
	if (vk_check(vk.vkCreatePipelineLayout(vk.dev, &lci, NULL, &vk.layout), "vkCreatePipelineLayout"))
		return -1;
	size_t klen;
	const unsigned char *k = kernel(&klen);
	VkShaderModuleCreateInfo sci = { VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, NULL, 0,
					 klen, (const uint32_t *)(const void *)k };
	if (vk_check(vk.vkCreateShaderModule(vk.dev, &sci, NULL, &vk.shader), "vkCreateShaderModule"))
		return -1;
	VkComputePipelineCreateInfo pci = { VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO, NULL, 0,
		{ VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, NULL, 0,
		  VK_SHADER_STAGE_COMPUTE_BIT, vk.shader, prog_entry, NULL },
		vk.layout, 0, -1 };
	return vk_check(vk.vkCreateComputePipelines(vk.dev, 0, 1, &pci, NULL, &vk.pipe),
			"vkCreateComputePipelines");
}

static int create_commands(void)
{
	VkCommandPoolCreateInfo cp = { VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, NULL,
				       VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT, vk.family };
	if (vk_check(vk.vkCreateCommandPool(vk.dev, &cp, NULL, &vk.cpool), "vkCreateCommandPool"))
		return -1;
	VkCommandBufferAllocateInfo ca = { VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, NULL,
					   vk.cpool, 0, 1 };
	if (vk_check(vk.vkAllocateCommandBuffers(vk.dev, &ca, &vk.cmd), "vkAllocateCommandBuffers") ||
	    vk_check(vk.vkAllocateCommandBuffers(vk.dev, &ca, &vk.xcmd), "vkAllocateCommandBuffers"))
		return -1;
	VkFenceCreateInfo fi = { VK_STRUCTURE_TYPE_FENCE_CREATE_INFO, NULL, 0 };
	return vk_check(vk.vkCreateFence(vk.dev, &fi, NULL, &vk.fence), "vkCreateFence");
}

int drv_open(int device)
{
	if (!(vkp = calloc(1, sizeof *vkp)))
		return drv_fail("free memory", "out of memory for the vulkan driver's state");
	if (load_library() || create_instance() || pick_device(device) || choose() ||
	    create_device() || create_pipeline() || create_commands())
		return -1;
	return 0;
}

/* A memory type allowed by bits with the wanted properties, or -1. */
static int memory_type(uint32_t bits, VkFlags want)
{
	for (uint32_t i = 0; i < vk.mem.memoryTypeCount; i++)
		if ((bits >> i & 1) && (vk.mem.memoryTypes[i].propertyFlags & want) == want)
			return (int)i;
	return -1;
}

static void free_buffer(int i)
{
	vk.rec_ok = 0;   /* the recording names the old buffers */
	if (vk.buf[i])
		vk.vkDestroyBuffer(vk.dev, vk.buf[i], NULL);
	if (vk.bufmem[i])
		vk.vkFreeMemory(vk.dev, vk.bufmem[i], NULL);
	if (vk.stage[i])
		vk.vkDestroyBuffer(vk.dev, vk.stage[i], NULL);
	if (vk.stagemem[i])
		vk.vkFreeMemory(vk.dev, vk.stagemem[i], NULL);
	vk.buf[i] = vk.stage[i] = 0;
	vk.bufmem[i] = vk.stagemem[i] = 0;
	vk.map[i] = NULL;
	vk.size[i] = vk.range[i] = 0;
}

/* One buffer of size bytes in memory of the first of want[0..n) that it
 * allows, mapped into *map unless map is NULL. */
static int make_buffer(VkDeviceSize size, VkFlags usage, const VkFlags *want, int n,
		       VkBuffer *buf, VkDeviceMemory *mem, void **map)
{
	VkBufferCreateInfo bi = { VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, NULL, 0,
				  size, usage, 0, 0, NULL };
	VkMemoryRequirements req;
	if (vk_check(vk.vkCreateBuffer(vk.dev, &bi, NULL, buf), "vkCreateBuffer"))
		return -1;
	vk.vkGetBufferMemoryRequirements(vk.dev, *buf, &req);
	int t = -1;
	for (int k = 0; k < n && t < 0; k++)
		t = memory_type(req.memoryTypeBits, want[k]);
	if (t < 0)
		return drv_fail("use a device with device-local and host-visible memory",
				"vulkan: no suitable memory type for a storage buffer");
	VkMemoryAllocateInfo ai = { VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, NULL, req.size, (uint32_t)t };
	*(map && vk.staging ? &vk.mt_stage : &vk.mt_buf) = t;
	if (vk_check(vk.vkAllocateMemory(vk.dev, &ai, NULL, mem), "vkAllocateMemory") ||
	    vk_check(vk.vkBindBufferMemory(vk.dev, *buf, *mem, 0), "vkBindBufferMemory"))
		return -1;
	return map ? vk_check(vk.vkMapMemory(vk.dev, *mem, 0, req.size, 0, map), "vkMapMemory") : 0;
}

static int create_buffer(int i, uint32_t count)
{
	const VkFlags dl = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
		host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
		cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
		xfer = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
	VkDeviceSize size = prog_buffers[i].stride * (VkDeviceSize)count;
	free_buffer(i);
	if (!vk.staging) {
		VkFlags want[] = { dl | host | cached, dl | host };
		if (make_buffer(size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, want, 2,
				&vk.buf[i], &vk.bufmem[i], &vk.map[i]))
			return -1;
	} else {
		VkFlags dev[] = { dl, 0 }, stage[] = { host | cached, host };
		if (make_buffer(size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | xfer, dev, 2,
				&vk.buf[i], &vk.bufmem[i], NULL) ||
		    make_buffer(size, xfer | VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, stage, 2,
				&vk.stage[i], &vk.stagemem[i], &vk.map[i]))
			return -1;
	}
	vk.size[i] = size;
	return 0;
}

/* The descriptor pool and the set, made on the first upload; staging:
 * a second set, hset, of the staging twins, which a small NAME_run binds
 * so that the kernel reads and writes host memory and no copy is made. */
static int create_set(void)
{
	uint32_t nsets = vk.staging ? 2 : 1;
	VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
				    nsets * (prog_nbuffers ? (uint32_t)prog_nbuffers : 1) };
	VkDescriptorPoolCreateInfo pi = { VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, NULL, 0, nsets, 1, &ps };
	VkDescriptorSetLayout l[2] = { vk.dsl, vk.dsl };
	VkDescriptorSet s[2] = { 0, 0 };
	if (vk_check(vk.vkCreateDescriptorPool(vk.dev, &pi, NULL, &vk.pool), "vkCreateDescriptorPool"))
		return -1;
	VkDescriptorSetAllocateInfo sa = { VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, NULL, vk.pool, nsets, l };
	if (vk_check(vk.vkAllocateDescriptorSets(vk.dev, &sa, s), "vkAllocateDescriptorSets"))
		return -1;
	vk.set = s[0];
	vk.hset = s[1];
	return 0;
}

/* Buffer i is made on its first upload and again only when its count
 * grows; the descriptor's range follows the count, so the kernel's len()
 * is this count.  The data goes into the mapped memory, zeros for a NULL
 * host (staging: copied to the device by the next dispatch's command
 * buffer). */
int drv_put(int i, const void *host, uint32_t count)
{
	VkDeviceSize size = prog_buffers[i].stride * (VkDeviceSize)count;   /* x3: 16 bytes */
	uint64_t bit = 1ull << i;
	if (!vk.pool && create_set())
		return -1;
	if (size > limit_u32(OFF_MAX_STORAGE_BUFFER_RANGE))
		return drv_fail("use smaller params",
				"vulkan: buffer '%s' of %llu bytes exceeds the device's maxStorageBufferRange %u",
				prog_buffers[i].name, (unsigned long long)size,
				limit_u32(OFF_MAX_STORAGE_BUFFER_RANGE));
	if (vk.size[i] < size && create_buffer(i, count))
		return -1;
	if (vk.range[i] != size) {
		VkDescriptorBufferInfo info[2] = { { vk.buf[i], 0, size }, { vk.stage[i], 0, size } };
		VkWriteDescriptorSet w[2] = {
			{ VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, vk.set, prog_buffers[i].binding,
			  0, 1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &info[0], NULL },
			{ VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, vk.hset, prog_buffers[i].binding,
			  0, 1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &info[1], NULL } };
		vk.range[i] = size;
		vk.rec_ok = 0;   /* an update invalidates the recording */
		vk.vkUpdateDescriptorSets(vk.dev, vk.staging ? 2 : 1, w, 0, NULL);
	}
	if (host)
		drv_to_dev(i, vk.map[i], host, count);
	else
		memset(vk.map[i], 0, (size_t)size);
	if (vk.staging)
		vk.pending |= bit;
	vk.stale &= ~bit;
	return 0;
}

int drv_upload(void **bufs, const uint32_t *counts)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (drv_put(i, bufs[i], counts[i]))
			return -1;
	return 0;
}

static void barrier(VkFlags src, VkFlags sa, VkFlags dst, VkFlags da)
{
	VkMemoryBarrier mb = { VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, sa, da };
	vk.vkCmdPipelineBarrier(vk.cmd, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

static int grid_splits(const uint32_t grid[3])
{
	for (int a = 0; a < 3; a++)
		if (grid[a] > limit_u32(OFF_MAX_COMPUTE_WORK_GROUP_COUNT + 4 * (size_t)a))
			return 1;
	return 0;
}

/* The DISPATCH_BASE twin of the pipeline, for grids that split. */
static int create_pipe_base(void)
{
	VkComputePipelineCreateInfo pci = { VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO, NULL,
		VK_PIPELINE_CREATE_DISPATCH_BASE_BIT,
		{ VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, NULL, 0,
		  VK_SHADER_STAGE_COMPUTE_BIT, vk.shader, prog_entry, NULL },
		vk.layout, 0, -1 };
	return vk_check(vk.vkCreateComputePipelines(vk.dev, 0, 1, &pci, NULL, &vk.pipe_base),
			"vkCreateComputePipelines (DISPATCH_BASE)");
}

/* The dispatch of grid: one vkCmdDispatch, or one vkCmdDispatchBase per
 * part of at most maxComputeWorkGroupCount (ids stay the whole grid's). */
static void cmd_grid(const uint32_t grid[3], int split)
{
	uint32_t m[3];
	if (!split) {
		vk.vkCmdDispatch(vk.cmd, grid[0], grid[1], grid[2]);
		return;
	}
	for (int a = 0; a < 3; a++)
		m[a] = limit_u32(OFF_MAX_COMPUTE_WORK_GROUP_COUNT + 4 * (size_t)a);
	for (uint32_t z = 0; z < grid[2]; z += m[2])
		for (uint32_t y = 0; y < grid[1]; y += m[1])
			for (uint32_t x = 0; x < grid[0]; x += m[0])
				vk.vkCmdDispatchBase(vk.cmd, x, y, z,
					grid[0] - x < m[0] ? grid[0] - x : m[0],
					grid[1] - y < m[1] ? grid[1] - y : m[1],
					grid[2] - z < m[2] ? grid[2] - z : m[2]);
}

/* Record one run: (staging) the pending copies in, the params pushed,
 * the dispatch (timestamps around it alone when timed), (staging, copy)
 * the writable buffers copied out; copy 2 (staging, a small NAME_run):
 * no copies, the kernel on the staging twins (hset).  Skipped when cmd
 * already holds the same recording. */
static int record(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3],
		  int timed, int copy)
{
	int host = copy == 2;
	uint64_t pending = host ? 0 : vk.pending;
	uint32_t key[sizeof vk.rec_key / 4];
	size_t nk = 0;
	for (int i = 0; i < prog_nparams; i++) {
		key[nk++] = params[i];
		if (prog_params[i].size == 8)   /* the high word (PARAM_HI + i) */
			key[nk++] = params[PARAM_HI + i];
	}
	for (int i = 0; i < prog_nbuffers; i++)
		key[nk++] = counts[i];
	for (int a = 0; a < 3; a++)
		key[nk++] = grid[a];
	key[nk++] = (uint32_t)pending;
	key[nk++] = (uint32_t)(pending >> 32);
	key[nk++] = (uint32_t)timed;
	key[nk++] = (uint32_t)copy;
	if (vk.rec_ok && !memcmp(key, vk.rec_key, nk * 4))
		return 0;
	vk.rec_ok = 0;
	VkCommandBufferBeginInfo bi = { VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL, 0, NULL };
	const VkFlags CS = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, TR = VK_PIPELINE_STAGE_TRANSFER_BIT,
		SRW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
	int split = grid_splits(grid);
	if (split && prog_reads_nwg)
		return drv_fail("use smaller params (or a larger workgroup_size), or compute the grid size from params instead of nwg",
				"vulkan: the grid (%u x %u x %u workgroups) exceeds the device's maxComputeWorkGroupCount, "
				"and the kernel reads nwg, which splitting it into several dispatches would change",
				grid[0], grid[1], grid[2]);
	if (split && !vk.pipe_base && create_pipe_base())
		return -1;
	if (vk_check(vk.vkResetCommandBuffer(vk.cmd, 0), "vkResetCommandBuffer") ||
	    vk_check(vk.vkBeginCommandBuffer(vk.cmd, &bi), "vkBeginCommandBuffer"))
		return -1;
	if (pending) {
		for (int i = 0; i < prog_nbuffers; i++)
			if (pending >> i & 1) {
				VkBufferCopy c = { 0, 0, vk.range[i] };
				vk.vkCmdCopyBuffer(vk.cmd, vk.stage[i], vk.buf[i], 1, &c);
			}
		barrier(TR, VK_ACCESS_TRANSFER_WRITE_BIT, CS, SRW);
	}
	barrier(CS, VK_ACCESS_SHADER_WRITE_BIT, CS, SRW);   /* after the last run */
	if (timed) {
		vk.vkCmdResetQueryPool(vk.cmd, vk.qpool, 0, 2);
		vk.vkCmdWriteTimestamp(vk.cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, vk.qpool, 0);
	}
	vk.vkCmdBindPipeline(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, split ? vk.pipe_base : vk.pipe);
	vk.vkCmdBindDescriptorSets(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, vk.layout, 0, 1,
				   host ? &vk.hset : &vk.set, 0, NULL);
	if (prog_nparams) {
		uint32_t block[PARAM_WORDS];   /* each param at its offset (8-byte ones aligned) */
		drv_param_block(params, block);
		vk.vkCmdPushConstants(vk.cmd, vk.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
				      prog_param_bytes, block);
	}
	cmd_grid(grid, split);
	if (timed)
		vk.vkCmdWriteTimestamp(vk.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, vk.qpool, 1);
	if (copy == 1 && vk.staging) {
		barrier(CS, VK_ACCESS_SHADER_WRITE_BIT, TR, VK_ACCESS_TRANSFER_READ_BIT);
		for (int i = 0; i < prog_nbuffers; i++)
			if (prog_buffers[i].access != READ_ONLY) {
				VkBufferCopy c = { 0, 0, prog_buffers[i].stride * (VkDeviceSize)counts[i] };
				vk.vkCmdCopyBuffer(vk.cmd, vk.buf[i], vk.stage[i], 1, &c);
			}
		barrier(TR, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	} else if (!vk.staging || host)
		barrier(CS, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	if (vk_check(vk.vkEndCommandBuffer(vk.cmd), "vkEndCommandBuffer"))
		return -1;
	memcpy(vk.rec_key, key, nk * 4);
	vk.rec_ok = 1;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Poll the fence for up to 2 ms, then block: a blocking wait alone costs
 * a thread wake-up on every dispatch, which short kernels feel. */
static VkResult wait_fence(void)
{
	double t0 = now_ms();
	VkResult r;
	while ((r = vk.vkGetFenceStatus(vk.dev, vk.fence)) == 1 /* VK_NOT_READY */)
		if (now_ms() - t0 > 2.0)
			return vk.vkWaitForFences(vk.dev, 1, &vk.fence, 1, 60000000000ull);
	return r;
}

static int submit_cmd(VkCommandBuffer cmd)
{
	VkSubmitInfo si = { VK_STRUCTURE_TYPE_SUBMIT_INFO, NULL, 0, NULL, NULL, 1, &cmd, 0, NULL };
	return vk_check(vk.vkResetFences(vk.dev, 1, &vk.fence), "vkResetFences") ||
	       vk_check(vk.vkQueueSubmit(vk.queue, 1, &si, vk.fence), "vkQueueSubmit") ||
	       vk_check(wait_fence(), "vkWaitForFences") ? -1 : 0;
}

static int submit(void)
{
	return submit_cmd(vk.cmd);
}

/* The writable buffers (staging: copied out by the run when copy). */
static uint64_t written(void)
{
	uint64_t m = 0;
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY)
			m |= 1ull << i;
	return m;
}

/* One dispatch on the resident buffers, with these params (the recording
 * is redone when they change, so the push constants are this call's). */
int drv_dispatch(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3])
{
	if (record(params, counts, grid, 0, 0) || submit())
		return -1;
	vk.pending = 0;
	if (vk.staging)
		vk.stale |= written();
	return 0;
}

/* The run and the copies out in one command buffer, one submit.  On a
 * discrete GPU (staging) with every buffer at most vk.small bytes
 * (VYREC_VK_SMALL, 64 KiB), the kernel runs on the staging twins, which
 * drv_upload has just filled: no copy in or out, the dispatch alone (the
 * device buffers are then older: pending). */
int drv_run(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3], void **out)
{
	int host = vk.staging;
	for (int i = 0; i < prog_nbuffers && host; i++)
		host = vk.range[i] <= vk.small;
	if (record(params, counts, grid, 0, host ? 2 : 1) || submit())
		return -1;
	vk.pending = 0;
	if (host)
		for (int i = 0; i < prog_nbuffers; i++)
			vk.pending |= 1ull << i;
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY)
			drv_from_dev(i, out[i], vk.map[i], counts[i]);
	return 0;
}

/* Buffer i back through its staging twin when the device's is newer. */
int drv_get(int i, void *host, uint32_t count)
{
	uint64_t bit = 1ull << i;
	if (vk.stale & bit) {
		VkCommandBufferBeginInfo bi = { VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL, 0, NULL };
		VkBufferCopy c = { 0, 0, vk.range[i] };
		VkMemoryBarrier mb = { VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, VK_ACCESS_SHADER_WRITE_BIT,
				       VK_ACCESS_TRANSFER_READ_BIT };
		VkMemoryBarrier hb = { VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, VK_ACCESS_TRANSFER_WRITE_BIT,
				       VK_ACCESS_HOST_READ_BIT };
		if (vk_check(vk.vkResetCommandBuffer(vk.xcmd, 0), "vkResetCommandBuffer") ||
		    vk_check(vk.vkBeginCommandBuffer(vk.xcmd, &bi), "vkBeginCommandBuffer"))
			return -1;
		vk.vkCmdPipelineBarrier(vk.xcmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
					VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
		vk.vkCmdCopyBuffer(vk.xcmd, vk.buf[i], vk.stage[i], 1, &c);
		vk.vkCmdPipelineBarrier(vk.xcmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
					VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &hb, 0, NULL, 0, NULL);
		if (vk_check(vk.vkEndCommandBuffer(vk.xcmd), "vkEndCommandBuffer") || submit_cmd(vk.xcmd))
			return -1;
		vk.stale &= ~bit;
	}
	drv_from_dev(i, host, vk.map[i], count);
	return 0;
}

int drv_bench(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3],
	      int n, double *gpu_ms, double *wall_ms, double *loop_us)
{
	int timed = vk.ts_bits != 0;
	uint64_t mask = vk.ts_bits >= 64 ? ~0ull : (1ull << vk.ts_bits) - 1, ts[2];
	double period = limit_f32(OFF_TIMESTAMP_PERIOD);
	/* the same words as the Cargo launcher's (t_launcher_cargo compares) */
	snprintf(drv_timer, sizeof drv_timer, "%s; memory %s; fma %s",
		 timed ? "vulkan timestamps" : "wall clock, the queue has no timestamps",
		 vk.staging ? "device-local + staging" : "device-local, mapped", vk.fma);
	if (timed && !vk.qpool) {
		VkQueryPoolCreateInfo qi = { VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO, NULL, 0,
					     VK_QUERY_TYPE_TIMESTAMP, 2, 0 };
		if (vk_check(vk.vkCreateQueryPool(vk.dev, &qi, NULL, &vk.qpool), "vkCreateQueryPool"))
			return -1;
	}
	/* the copy in (staging), then the dispatch alone, recorded once */
	if (drv_dispatch(params, counts, grid) || record(params, counts, grid, timed, 0))
		return -1;
	for (int i = -1; i < n; i++) {
		double t0 = now_ms();
		if (submit())
			return -1;
		if (i < 0)
			continue;   /* warm-up */
		gpu_ms[i] = wall_ms[i] = now_ms() - t0;
		if (timed) {
			if (vk_check(vk.vkGetQueryPoolResults(vk.dev, vk.qpool, 0, 2, sizeof ts, ts, 8,
							       VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
				     "vkGetQueryPoolResults"))
				return -1;
			gpu_ms[i] = (double)((ts[1] - ts[0]) & mask) * period / 1e6;
		}
	}
	/* n dispatches queued back to back: one submit of n recorded ones */
	VkCommandBufferBeginInfo bi = { VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL, 0, NULL };
	double t0 = now_ms();
	vk.rec_ok = 0;
	if (vk_check(vk.vkResetCommandBuffer(vk.cmd, 0), "vkResetCommandBuffer") ||
	    vk_check(vk.vkBeginCommandBuffer(vk.cmd, &bi), "vkBeginCommandBuffer"))
		return -1;
	int split = grid_splits(grid);
	vk.vkCmdBindPipeline(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, split ? vk.pipe_base : vk.pipe);
	vk.vkCmdBindDescriptorSets(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, vk.layout, 0, 1, &vk.set, 0, NULL);
	if (prog_nparams) {
		uint32_t block[PARAM_WORDS];   /* each param at its offset (8-byte ones aligned) */
		drv_param_block(params, block);
		vk.vkCmdPushConstants(vk.cmd, vk.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
				      prog_param_bytes, block);
	}
	for (int i = 0; i < n; i++) {
		barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
			VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
		cmd_grid(grid, split);
	}
	if (vk_check(vk.vkEndCommandBuffer(vk.cmd), "vkEndCommandBuffer") || submit())
		return -1;
	*loop_us = (now_ms() - t0) * 1e3 / n;
	return 0;
}

/* The compute pipeline of kernel part i (DISPATCH_BASE: for split grids). */
static VkPipeline part_pipe(int i, int base)
{
	VkPipeline *v = base ? vk.parts_base : vk.parts;
	if (!v[i]) {
		VkComputePipelineCreateInfo pci = { VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO, NULL,
			base ? VK_PIPELINE_CREATE_DISPATCH_BASE_BIT : 0,
			{ VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO, NULL, 0,
			  VK_SHADER_STAGE_COMPUTE_BIT, vk.shader, prog_parts[i].entry, NULL },
			vk.layout, 0, -1 };
		if (vk_check(vk.vkCreateComputePipelines(vk.dev, 0, 1, &pci, NULL, &v[i]),
			     "vkCreateComputePipelines (kernel part)"))
			return 0;
	}
	return v[i];
}

/* The whole pipeline in one command buffer: (staging) copies in, each
 * dispatch with its part's pipeline and its own push constants, a
 * compute->compute barrier between dispatches, (staging) copies out;
 * one submit. */
int drv_pipeline(const struct drv_step *v, size_t n, const uint32_t *counts, int copy)
{
	VkCommandBufferBeginInfo bi = { VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL, 0, NULL };
	const VkFlags CS = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, TR = VK_PIPELINE_STAGE_TRANSFER_BIT,
		SRW = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
	snprintf(drv_pipe_note, sizeof drv_pipe_note, "one vulkan command buffer");
	vk.rec_ok = 0;   /* cmd is recorded anew here */
	if (!vk.parts && (!(vk.parts = calloc((size_t)prog_nparts, sizeof *vk.parts)) ||
			  !(vk.parts_base = calloc((size_t)prog_nparts, sizeof *vk.parts_base))))
		return drv_fail("free memory", "out of memory for the pipeline's parts");
	for (size_t i = 0; i < n; i++)
		if (grid_splits(v[i].grid) && prog_parts[v[i].part].reads_nwg)
			return drv_fail("use smaller params (or a larger workgroup_size), or compute the grid size from params instead of nwg",
					"vulkan: the grid of kernel part '%s' (%u x %u x %u workgroups) exceeds the device's "
					"maxComputeWorkGroupCount, and the part reads nwg, which splitting it into several "
					"dispatches would change", prog_parts[v[i].part].entry,
					v[i].grid[0], v[i].grid[1], v[i].grid[2]);
	if (vk_check(vk.vkResetCommandBuffer(vk.cmd, 0), "vkResetCommandBuffer") ||
	    vk_check(vk.vkBeginCommandBuffer(vk.cmd, &bi), "vkBeginCommandBuffer"))
		return -1;
	uint64_t in = copy == 1 ? ~0ull : copy == 2 ? vk.pending : 0;
	if (in && vk.staging) {
		for (int i = 0; i < prog_nbuffers; i++)
			if (in >> i & 1) {
				VkBufferCopy c = { 0, 0, prog_buffers[i].stride * (VkDeviceSize)counts[i] };
				vk.vkCmdCopyBuffer(vk.cmd, vk.stage[i], vk.buf[i], 1, &c);
			}
		barrier(TR, VK_ACCESS_TRANSFER_WRITE_BIT, CS, SRW);
	}
	VkPipeline bound = 0;
	for (size_t i = 0; i < n; i++) {
		int split = grid_splits(v[i].grid);
		VkPipeline pp = part_pipe(v[i].part, split);
		if (!pp)
			return -1;
		barrier(CS, VK_ACCESS_SHADER_WRITE_BIT, CS, SRW);   /* after the last dispatch */
		if (pp != bound) {
			vk.vkCmdBindPipeline(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pp);
			if (!bound)
				vk.vkCmdBindDescriptorSets(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, vk.layout,
							   0, 1, &vk.set, 0, NULL);
			bound = pp;
		}
		if (prog_nparams)
			vk.vkCmdPushConstants(vk.cmd, vk.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
					      4u * (uint32_t)prog_nparams, v[i].params);
		cmd_grid(v[i].grid, split);
	}
	if (copy == 1 && vk.staging) {
		barrier(CS, VK_ACCESS_SHADER_WRITE_BIT, TR, VK_ACCESS_TRANSFER_READ_BIT);
		for (int i = 0; i < prog_nbuffers; i++)
			if (prog_buffers[i].access != READ_ONLY) {
				VkBufferCopy c = { 0, 0, prog_buffers[i].stride * (VkDeviceSize)counts[i] };
				vk.vkCmdCopyBuffer(vk.cmd, vk.buf[i], vk.stage[i], 1, &c);
			}
		barrier(TR, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	} else
		barrier(CS, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	if (vk_check(vk.vkEndCommandBuffer(vk.cmd), "vkEndCommandBuffer") || submit())
		return -1;
	if (copy) {   /* 1: device and staging agree; 2: the device is newer */
		vk.pending = 0;
		vk.stale = copy == 2 && vk.staging ? vk.stale | written() : 0;
	}
	return 0;
}

int drv_download(void **bufs, const uint32_t *counts)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY && drv_get(i, bufs[i], counts[i]))
			return -1;
	return 0;
}

void drv_close(void)
{
	if (!vkp)
		return;
	if (vk.dev) {
		vk.vkDeviceWaitIdle(vk.dev);
		if (vk.fence)
			vk.vkDestroyFence(vk.dev, vk.fence, NULL);
		if (vk.cpool)
			vk.vkDestroyCommandPool(vk.dev, vk.cpool, NULL);
		if (vk.pool)
			vk.vkDestroyDescriptorPool(vk.dev, vk.pool, NULL);
		if (vk.pipe)
			vk.vkDestroyPipeline(vk.dev, vk.pipe, NULL);
		if (vk.shader)
			vk.vkDestroyShaderModule(vk.dev, vk.shader, NULL);
		if (vk.layout)
			vk.vkDestroyPipelineLayout(vk.dev, vk.layout, NULL);
		if (vk.dsl)
			vk.vkDestroyDescriptorSetLayout(vk.dev, vk.dsl, NULL);
		if (vk.pipe_base)
			vk.vkDestroyPipeline(vk.dev, vk.pipe_base, NULL);
		if (vk.qpool)
			vk.vkDestroyQueryPool(vk.dev, vk.qpool, NULL);
		for (int i = 0; vk.parts && i < prog_nparts; i++) {
			if (vk.parts[i])
				vk.vkDestroyPipeline(vk.dev, vk.parts[i], NULL);
			if (vk.parts_base[i])
				vk.vkDestroyPipeline(vk.dev, vk.parts_base[i], NULL);
		}
		free(vk.parts);
		free(vk.parts_base);
		for (int i = 0; i < prog_nbuffers; i++)
			free_buffer(i);
		vk.vkDestroyDevice(vk.dev, NULL);
	}
	if (vk.inst && vk.vkDestroyInstance)
		vk.vkDestroyInstance(vk.inst, NULL);
	if (vk.lib)
		dlclose(vk.lib);
	free(vkp);
	vkp = NULL;
}
