/*
 * trap.h: how libvyrec's API (src/api.c) keeps the process alive when the
 * code under it meets an internal error or runs out of memory.  The
 * command line exits there (vy_bug: 70, vy_oom: 1); an API call pushes a
 * trap first, and vy_bug_at / vy_oom then record the message in it and
 * jump back to the call, which returns an error.  One trap stack per
 * thread.
 */
#ifndef VY_TRAP_H
#define VY_TRAP_H

#include <setjmp.h>

struct vy_trap {
	jmp_buf jb;
	int code;              /* VY_EXIT_INTERNAL or VY_EXIT_PROGRAM (oom) */
	char msg[1024];        /* "MESSAGE\nFix: FIX" */
	struct vy_trap *prev;
};

/* Make t the innermost trap of this thread / remove it again. */
void vy_trap_push(struct vy_trap *t);
void vy_trap_pop(struct vy_trap *t);

#endif
