/* tests/fma64/bits.h: an f32 from its bits and back (gen.c, cmp.c). */
#include <stdint.h>
#include <string.h>

static inline float f(uint32_t u)
{
	float x;
	memcpy(&x, &u, 4);
	return x;
}

static inline uint32_t u(float x)
{
	uint32_t v;
	memcpy(&v, &x, 4);
	return v;
}
