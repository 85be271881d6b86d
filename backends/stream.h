/*
 * stream.h: what the dispatch backends share (backends/stream.c).
 * Streaming (SPEC §4 Streamable) is the same loop on every backend: bind
 * one chunk of the streamed input as its buffer, recompute the launch
 * sizes, dispatch with the backend's own dispatch function (which reuses
 * its cached pipeline and device buffers) and hand the chunk's outputs to
 * the caller.
 */
#ifndef VY_BACKEND_STREAM_H
#define VY_BACKEND_STREAM_H

#include "vyrec.h"

/* Run s->run once per chunk of s->data through b->dispatch and s->yield.
 * run->bufs[s->buf] and its count are restored afterwards.  0, or -1 with
 * *err (malloc'd). */
int vy_backend_stream(struct vy_backend *b, struct vy_stream *s, char **err);

#endif
