/*
 * drv_spv.c: runs the SPIR-V kernel through Vulkan.  libvulkan.so.1 is
 * opened with dlopen at run time, so building needs no Vulkan SDK: the few
 * types, constants and entry points used are declared below (values from
 * vulkan_core.h).  One instance, the first device with a compute queue (or
 * --device N), one host-visible storage buffer per kernel buffer at its
 * binding with its exact size, the params as push constants at offsets 0,
 * 4, 8 ..., one command buffer with the dispatch, re-submitted for --bench.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	VkDescriptorSet, VkCommandPool, VkFence, VkPipelineCache;

enum {
	VK_SUCCESS = 0,
	VK_STRUCTURE_TYPE_APPLICATION_INFO = 0,
	VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO = 1,
	VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO = 2,
	VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO = 3,
	VK_STRUCTURE_TYPE_SUBMIT_INFO = 4,
	VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO = 5,
	VK_STRUCTURE_TYPE_FENCE_CREATE_INFO = 8,
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
	VK_BUFFER_USAGE_STORAGE_BUFFER_BIT = 0x20,
	VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT = 0x1,
	VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT = 0x2,
	VK_MEMORY_PROPERTY_HOST_COHERENT_BIT = 0x4,
	VK_DESCRIPTOR_TYPE_STORAGE_BUFFER = 7,
	VK_SHADER_STAGE_COMPUTE_BIT = 0x20,
	VK_PIPELINE_BIND_POINT_COMPUTE = 1,
	VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT = 0x800,
	VK_PIPELINE_STAGE_HOST_BIT = 0x4000,
	VK_ACCESS_SHADER_WRITE_BIT = 0x40,
	VK_ACCESS_HOST_READ_BIT = 0x2000,
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
	X(vkDeviceWaitIdle, VkResult, (VkDevice))

static struct {
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
	VkBuffer buf[64];
	VkDeviceMemory bufmem[64];
	void *map[64];
	VkShaderModule shader;
	VkDescriptorSetLayout dsl;
	VkPipelineLayout layout;
	VkPipeline pipe;
	VkDescriptorPool pool;
	VkDescriptorSet set;
	VkCommandPool cpool;
	VkCommandBuffer cmd;
	VkFence fence;
	uint32_t recorded_grid[3];
	int recorded;
} vk;

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

/* A compute queue family of phys, or -1. */
static int compute_family(VkPhysicalDevice phys)
{
	VkQueueFamilyProperties q[16];
	uint32_t n = 16;
	vk.vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, q);
	for (uint32_t i = 0; i < n && i < 16; i++)
		if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
			return (int)i;
	return -1;
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
		int fam = compute_family(devs[i]);
		if (fam >= 0) {
			VkPhysicalDeviceProperties props;
			vk.phys = devs[i];
			vk.family = (uint32_t)fam;
			vk.vkGetPhysicalDeviceProperties(devs[i], &props);
			snprintf(drv_device_name, sizeof drv_device_name, "%.255s", props.deviceName);
			return 0;
		}
		if (device >= 0)
			break;
	}
	return drv_fail("pick a device with a compute queue (vulkaninfo --summary)",
			"vulkan: no device with a compute queue");
}

static int create_device(void)
{
	float prio = 1.0f;
	VkDeviceQueueCreateInfo q = { VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO, NULL, 0,
				      vk.family, 1, &prio };
	VkDeviceCreateInfo ci = { VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, NULL, 0, 1, &q,
				  0, NULL, 0, NULL, NULL };
	if (vk_check(vk.vkCreateDevice(vk.phys, &ci, NULL, &vk.dev), "vkCreateDevice"))
		return -1;
	vk.vkGetDeviceQueue(vk.dev, vk.family, 0, &vk.queue);
	vk.vkGetPhysicalDeviceMemoryProperties(vk.phys, &vk.mem);
	return 0;
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
	VkPushConstantRange pc = { VK_SHADER_STAGE_COMPUTE_BIT, 0, 4u * (uint32_t)prog_nparams };
	VkPipelineLayoutCreateInfo lci = { VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO, NULL, 0,
					   1, &vk.dsl, prog_nparams ? 1 : 0, &pc };
	if (vk_check(vk.vkCreatePipelineLayout(vk.dev, &lci, NULL, &vk.layout), "vkCreatePipelineLayout"))
		return -1;
	VkShaderModuleCreateInfo sci = { VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, NULL, 0,
					 prog_kernel_len, (const uint32_t *)(const void *)prog_kernel };
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
	VkCommandPoolCreateInfo cp = { VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO, NULL, 0, vk.family };
	if (vk_check(vk.vkCreateCommandPool(vk.dev, &cp, NULL, &vk.cpool), "vkCreateCommandPool"))
		return -1;
	VkCommandBufferAllocateInfo ca = { VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO, NULL,
					   vk.cpool, 0, 1 };
	if (vk_check(vk.vkAllocateCommandBuffers(vk.dev, &ca, &vk.cmd), "vkAllocateCommandBuffers"))
		return -1;
	VkFenceCreateInfo fi = { VK_STRUCTURE_TYPE_FENCE_CREATE_INFO, NULL, 0 };
	return vk_check(vk.vkCreateFence(vk.dev, &fi, NULL, &vk.fence), "vkCreateFence");
}

int drv_open(int device)
{
	if (load_library() || create_instance() || pick_device(device) ||
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

static int create_buffer(int i, uint32_t count)
{
	VkBufferCreateInfo bi = { VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, NULL, 0,
				  4 * (VkDeviceSize)count, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, 0, 0, NULL };
	VkMemoryRequirements req;
	if (vk_check(vk.vkCreateBuffer(vk.dev, &bi, NULL, &vk.buf[i]), "vkCreateBuffer"))
		return -1;
	vk.vkGetBufferMemoryRequirements(vk.dev, vk.buf[i], &req);
	VkFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	int t = memory_type(req.memoryTypeBits, host | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
	if (t < 0)
		t = memory_type(req.memoryTypeBits, host);
	if (t < 0)
		return drv_fail("use a device with host-visible memory", "vulkan: no host-visible coherent memory type");
	VkMemoryAllocateInfo ai = { VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, NULL, req.size, (uint32_t)t };
	if (vk_check(vk.vkAllocateMemory(vk.dev, &ai, NULL, &vk.bufmem[i]), "vkAllocateMemory") ||
	    vk_check(vk.vkBindBufferMemory(vk.dev, vk.buf[i], vk.bufmem[i], 0), "vkBindBufferMemory"))
		return -1;
	return vk_check(vk.vkMapMemory(vk.dev, vk.bufmem[i], 0, req.size, 0, &vk.map[i]), "vkMapMemory");
}

int drv_upload(void **bufs, const uint32_t *counts)
{
	VkDescriptorBufferInfo info[64];
	VkWriteDescriptorSet w[64];
	for (int i = 0; i < prog_nbuffers; i++) {
		if (create_buffer(i, counts[i]))
			return -1;
		memcpy(vk.map[i], bufs[i], 4 * (size_t)counts[i]);
		info[i] = (VkDescriptorBufferInfo){ vk.buf[i], 0, 4 * (VkDeviceSize)counts[i] };
		w[i] = (VkWriteDescriptorSet){ VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET, NULL, 0,
			prog_buffers[i].binding, 0, 1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, NULL, &info[i], NULL };
	}
	VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, prog_nbuffers ? (uint32_t)prog_nbuffers : 1 };
	VkDescriptorPoolCreateInfo pi = { VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, NULL, 0, 1, 1, &ps };
	if (vk_check(vk.vkCreateDescriptorPool(vk.dev, &pi, NULL, &vk.pool), "vkCreateDescriptorPool"))
		return -1;
	VkDescriptorSetAllocateInfo sa = { VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO, NULL, vk.pool, 1, &vk.dsl };
	if (vk_check(vk.vkAllocateDescriptorSets(vk.dev, &sa, &vk.set), "vkAllocateDescriptorSets"))
		return -1;
	for (int i = 0; i < prog_nbuffers; i++)
		w[i].dstSet = vk.set;
	vk.vkUpdateDescriptorSets(vk.dev, (uint32_t)prog_nbuffers, w, 0, NULL);
	return 0;
}

/* Record the dispatch once; --bench re-submits the same commands. */
static int record(const uint32_t *params, const uint32_t grid[3])
{
	VkCommandBufferBeginInfo bi = { VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, NULL, 0, NULL };
	VkMemoryBarrier mb = { VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, VK_ACCESS_SHADER_WRITE_BIT,
			       VK_ACCESS_HOST_READ_BIT };
	if (vk_check(vk.vkBeginCommandBuffer(vk.cmd, &bi), "vkBeginCommandBuffer"))
		return -1;
	vk.vkCmdBindPipeline(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, vk.pipe);
	vk.vkCmdBindDescriptorSets(vk.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, vk.layout, 0, 1, &vk.set, 0, NULL);
	if (prog_nparams)
		vk.vkCmdPushConstants(vk.cmd, vk.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
				      4u * (uint32_t)prog_nparams, params);
	vk.vkCmdDispatch(vk.cmd, grid[0], grid[1], grid[2]);
	vk.vkCmdPipelineBarrier(vk.cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT,
				0, 1, &mb, 0, NULL, 0, NULL);
	if (vk_check(vk.vkEndCommandBuffer(vk.cmd), "vkEndCommandBuffer"))
		return -1;
	vk.recorded = 1;
	return 0;
}

int drv_dispatch(const uint32_t *params, const uint32_t *counts, const uint32_t grid[3])
{
	(void)counts;
	if (!vk.recorded && record(params, grid))
		return -1;
	VkSubmitInfo si = { VK_STRUCTURE_TYPE_SUBMIT_INFO, NULL, 0, NULL, NULL, 1, &vk.cmd, 0, NULL };
	if (vk_check(vk.vkResetFences(vk.dev, 1, &vk.fence), "vkResetFences") ||
	    vk_check(vk.vkQueueSubmit(vk.queue, 1, &si, vk.fence), "vkQueueSubmit") ||
	    vk_check(vk.vkWaitForFences(vk.dev, 1, &vk.fence, 1, 60000000000ull), "vkWaitForFences"))
		return -1;
	return 0;
}

int drv_download(void **bufs, const uint32_t *counts)
{
	for (int i = 0; i < prog_nbuffers; i++)
		if (prog_buffers[i].access != READ_ONLY)
			memcpy(bufs[i], vk.map[i], 4 * (size_t)counts[i]);
	return 0;
}

void drv_close(void)
{
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
		for (int i = 0; i < prog_nbuffers; i++) {
			if (vk.buf[i])
				vk.vkDestroyBuffer(vk.dev, vk.buf[i], NULL);
			if (vk.bufmem[i])
				vk.vkFreeMemory(vk.dev, vk.bufmem[i], NULL);
		}
		vk.vkDestroyDevice(vk.dev, NULL);
	}
	if (vk.inst && vk.vkDestroyInstance)
		vk.vkDestroyInstance(vk.inst, NULL);
	if (vk.lib)
		dlclose(vk.lib);
	memset(&vk, 0, sizeof vk);
}
