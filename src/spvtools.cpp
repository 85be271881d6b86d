/*
 * spvtools.cpp: the C shim over SPIRV-Tools declared in spvtools.h.  It
 * turns vyrec's target-environment numbers into spv_target_env values,
 * collects the library's diagnostics into one malloc'd string and never
 * lets a C++ exception cross into C.
 */
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <spirv-tools/libspirv.h>
#include <spirv-tools/linker.hpp>
#include <spirv-tools/optimizer.hpp>

#include "spvtools.h"

/* diag.c: a resource error, exit 1.  std::bad_alloc thrown by SPIRV-Tools
 * is out of memory, not an invalid module. */
extern "C" [[noreturn]] void vy_oom(const char *what, size_t bytes);

static spv_target_env target_env(int vk_minor)
{
	switch (vk_minor) {
	case 0: return SPV_ENV_VULKAN_1_0;
	case 1: return SPV_ENV_VULKAN_1_1;
	case 2: return SPV_ENV_VULKAN_1_2;
	case 3: return SPV_ENV_VULKAN_1_3;
	default: return SPV_ENV_UNIVERSAL_1_6;
	}
}

static char *cstr(const std::string &s)
{
	char *p = (char *)malloc(s.size() + 1);
	if (p)
		memcpy(p, s.c_str(), s.size() + 1);
	return p;
}

static int fail(char **err, const std::string &msg)
{
	if (err)
		*err = cstr(msg.empty() ? std::string("unknown SPIRV-Tools error") : msg);
	return -1;
}

/* "error: line N: text" for one diagnostic, in spirv-val's style. */
static void append_diag(std::string &log, const char *text,
			const spv_position_t &pos)
{
	if (!log.empty())
		log += "\n";
	if (pos.index)
		log += "word " + std::to_string(pos.index) + ": ";
	log += text ? text : "(no message)";
}

extern "C" int vy_spvtools_validate(const uint32_t *words, size_t n,
				    int vk_minor, char **err)
{
	try {
		spv_context ctx = spvContextCreate(target_env(vk_minor));
		spv_validator_options opts = spvValidatorOptionsCreate();
		spv_const_binary_t bin = { words, n };
		spv_diagnostic diag = nullptr;
		/* Friendly names cost a std::string per id and are quadratic
		 * in repeated names (FriendlyNameMapper::SaveName): validate
		 * without them, and again with them only to word a failure. */
		spvValidatorOptionsSetFriendlyNames(opts, false);
		spv_result_t r = spvValidateWithOptions(ctx, opts, &bin, nullptr);
		if (r != SPV_SUCCESS) {
			spvValidatorOptionsSetFriendlyNames(opts, true);
			r = spvValidateWithOptions(ctx, opts, &bin, &diag);
		}
		std::string msg;
		if (r != SPV_SUCCESS) {
			if (diag)
				append_diag(msg, diag->error, diag->position);
			else
				msg = "validation failed";
		}
		spvDiagnosticDestroy(diag);
		spvValidatorOptionsDestroy(opts);
		spvContextDestroy(ctx);
		return r == SPV_SUCCESS ? 0 : fail(err, msg);
	} catch (const std::bad_alloc &) {
		vy_oom("the SPIR-V validator (SPIRV-Tools)", 0);
	} catch (const std::exception &e) {
		return fail(err, e.what());
	} catch (...) {
		return fail(err, "exception in the SPIR-V validator");
	}
}

extern "C" int vy_spvtools_optimize(const uint32_t *words, size_t n,
				    int vk_minor, uint32_t **out,
				    size_t *out_n, char **err)
{
	*out = nullptr;
	*out_n = 0;
	try {
		std::string log;
		spvtools::Optimizer opt(target_env(vk_minor));
		opt.SetMessageConsumer([&log](spv_message_level_t level,
					      const char *, const spv_position_t &pos,
					      const char *m) {
			if (level <= SPV_MSG_ERROR)
				append_diag(log, m, pos);
		});
		opt.RegisterPerformancePasses();
		std::vector<uint32_t> res;
		if (!opt.Run(words, n, &res))
			return fail(err, "spirv-opt failed: " + log);
		*out = (uint32_t *)malloc(res.size() * sizeof(uint32_t) + 1);
		if (!*out)
			return fail(err, "out of memory");
		memcpy(*out, res.data(), res.size() * sizeof(uint32_t));
		*out_n = res.size();
		return 0;
	} catch (const std::bad_alloc &) {
		vy_oom("the SPIR-V optimiser (SPIRV-Tools)", 0);
	} catch (const std::exception &e) {
		return fail(err, e.what());
	} catch (...) {
		return fail(err, "exception in the SPIR-V optimiser");
	}
}

extern "C" int vy_spvtools_disassemble(const uint32_t *words, size_t n,
				       char **text, char **err)
{
	*text = nullptr;
	try {
		spv_context ctx = spvContextCreate(SPV_ENV_UNIVERSAL_1_6);
		spv_text t = nullptr;
		spv_diagnostic diag = nullptr;
		uint32_t o = SPV_BINARY_TO_TEXT_OPTION_FRIENDLY_NAMES |
			     SPV_BINARY_TO_TEXT_OPTION_INDENT;
		spv_result_t r = spvBinaryToText(ctx, words, n, o, &t, &diag);
		std::string msg;
		if (r == SPV_SUCCESS && t)
			*text = cstr(std::string(t->str, t->length));
		else if (diag)
			append_diag(msg, diag->error, diag->position);
		spvTextDestroy(t);
		spvDiagnosticDestroy(diag);
		spvContextDestroy(ctx);
		if (!*text)
			return fail(err, msg.empty() ? "disassembly failed" : msg);
		return 0;
	} catch (const std::bad_alloc &) {
		vy_oom("the SPIR-V disassembler (SPIRV-Tools)", 0);
	} catch (const std::exception &e) {
		return fail(err, e.what());
	} catch (...) {
		return fail(err, "exception in the SPIR-V disassembler");
	}
}

/* One module from several whose entry points have distinct names (the
 * kernel parts of SPEC §10.5): SPIRV-Tools' linker merges their types
 * and keeps every entry point. */
extern "C" int vy_spvtools_link(const uint32_t *const *mods, const size_t *ns,
				size_t nmods, int vk_minor, uint32_t **out,
				size_t *out_n, char **err)
{
	try {
		spvtools::Context ctx(target_env(vk_minor));
		std::string log;
		ctx.SetMessageConsumer([&log](spv_message_level_t, const char *,
					      const spv_position_t &pos, const char *m) {
			append_diag(log, m, pos);
		});
		std::vector<uint32_t> res;
		spvtools::LinkerOptions opt;
		if (spvtools::Link(ctx, mods, ns, nmods, &res, opt) != SPV_SUCCESS)
			return fail(err, log);
		*out = (uint32_t *)malloc(res.size() * sizeof(uint32_t) + 1);
		if (!*out)
			vy_oom("a linked SPIR-V module", res.size() * 4);
		memcpy(*out, res.data(), res.size() * sizeof(uint32_t));
		*out_n = res.size();
		return 0;
	} catch (const std::bad_alloc &) {
		vy_oom("SPIRV-Tools", 0);
	} catch (const std::exception &e) {
		return fail(err, e.what());
	}
}
