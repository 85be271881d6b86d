/*
 * op_targets.c: which targets lower an op, read from the targets' own
 * lowering tables (emitters/spv.c, ptx.c, glsl.c; the reference VM's op
 * table in src/vm.c), never written by hand: vy_op_targets and the
 * TARGETS column of `vyrec ops` come from here.
 */
#include "vyrec.h"
#include "mathlib_ir.h"
#include "vm.h"

unsigned vy_op_targets(const struct vy_opdef *op)
{
	return op->code < VY_OP_COUNT ? vy_op_lowered_by(op->code) : op->targets;
}

unsigned vy_op_lowered_by(enum vy_opcode code)
{
	if (vy_op_is_library(code))   /* src/mathlib.c: every target walks it */
		return VY_TGT_ALL;
	unsigned t = 0;
	if (vy_spv_lowers(code))
		t |= VY_TGT_SPV;
	if (vy_ptx_lowers(code))
		t |= VY_TGT_PTX;
	if (vy_glsl_lowers(code))
		t |= VY_TGT_GLSL;
	for (uint32_t ty = VYVM_BOOL; ty <= VYVM_F32; ty++)
		if (vy_op_is_subgroup(code) ?
		    vyvm_has_subgroup_op((uint32_t)vy_op_subgroup_index(code), ty) :
		    vyvm_has_op((uint32_t)code, ty))
			t |= VY_TGT_REF;
	return t;
}
