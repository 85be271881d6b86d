/*
 * stream.c: the streaming loop every backend's `stream` is (stream.h): one
 * dispatch per chunk of the streamed input, through the backend's own
 * dispatch, so the backends need nothing of each other.
 */
#include <stdlib.h>
#include <string.h>

#include "launch.h"
#include "stream.h"

int vy_backend_stream(struct vy_backend *b, struct vy_stream *s, char **err)
{
	struct vy_run *run = s->run;
	void *saved = run->bufs[s->buf];
	size_t chunk = s->chunk ? s->chunk : s->total;
	struct vy_launch saved_launch = run->launch;
	unsigned char *tmp = NULL;
	int rc = 0;

	*err = NULL;
	if (chunk > UINT32_MAX / 4)
		chunk = UINT32_MAX / 4;
	if (s->total && !(tmp = malloc((s->total < chunk ? s->total : chunk) * 4))) {
		*err = vy_strf("%s: out of memory for a stream chunk. Fix: use a smaller "
			       "--chunk", b->id);
		return -1;
	}
	for (size_t off = 0; off < s->total && rc == 0; off += chunk) {
		uint32_t n = (uint32_t)(s->total - off < chunk ? s->total - off : chunk);
		memcpy(tmp, s->data + off * 4, (size_t)n * 4);
		run->bufs[s->buf] = tmp;
		rc = vy_launch_chunk(run->prog, &run->launch, s->buf, n, err);
		if (rc == 0)
			rc = b->dispatch(b, run, err);
		if (rc == 0)
			rc = s->yield(s->ctx, run, err);
	}
	run->bufs[s->buf] = saved;
	run->launch = saved_launch;
	free(tmp);
	return rc ? -1 : 0;
}
