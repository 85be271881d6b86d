/*
 * cxxguard.cpp: run a C callback that calls into a C++ library through its
 * C interface (glslang's), so that a C++ exception never unwinds past C
 * code into nowhere.  std::bad_alloc is out of memory (vy_oom: a resource
 * error, exit 1); any other exception becomes an error message.  The C
 * frames between here and the library are only unwound, never resumed
 * (gcc and clang give C code unwind tables by default on the platforms
 * vyrec builds on).
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

extern "C" [[noreturn]] void vy_oom(const char *what, size_t bytes);

extern "C" int vy_cxx_guard(int (*fn)(void *), void *ctx, const char *what,
			    char **err)
{
	try {
		return fn(ctx);
	} catch (const std::bad_alloc &) {
		vy_oom(what, 0);
	} catch (const std::exception &e) {
		const char *m = e.what() ? e.what() : "exception";
		size_t n = strlen(what) + strlen(m) + 32;
		if (err && (*err = (char *)malloc(n)))
			snprintf(*err, n, "%s threw an exception: %s", what, m);
	} catch (...) {
		size_t n = strlen(what) + 32;
		if (err && (*err = (char *)malloc(n)))
			snprintf(*err, n, "%s threw an exception", what);
	}
	return -1;
}
