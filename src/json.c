/*
 * json.c: JSON string escaping and numbers, for every JSON vyrec writes
 * (manifest.c, diag.c, cmd_ops.c, cmd_backends.c; launcher.c's numbers).
 * Not libjansson: the writer is these few lines, and the callers need the
 * exact bytes of today's outputs (their own spacing and line breaks, keys
 * in a fixed order) that a general serializer would reformat.
 *
 * Strings: '"' and '\\' get a backslash; \n \t \r their short forms; the
 * other control characters and DEL \u00XX; valid UTF-8 passes through
 * as it is; a byte that does not start a valid UTF-8 sequence (overlong,
 * surrogate, past U+10FFFF, truncated) becomes \ufffd, so the output is
 * always valid JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* The length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
	if (!n || p[0] > 0xF4)
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0) ||
	    (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
		return 0;   /* overlong, surrogate, past U+10FFFF */
	return n;
}

void vy_json_str(struct vy_buf *b, const char *s)
{
	vy_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			vy_buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			vy_buf_puts(b, "\\n");
		else if (*p == '\t')
			vy_buf_puts(b, "\\t");
		else if (*p == '\r')
			vy_buf_puts(b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			vy_buf_printf(b, "\\u%04x", *p);
		else if (*p < 0x80)
			vy_buf_put(b, p, 1);
		else {
			int n = utf8_len(p);
			if (n) {
				vy_buf_put(b, p, (size_t)n);
				p += n - 1;
			} else {
				vy_buf_puts(b, "\\ufffd");
			}
		}
	}
	vy_buf_puts(b, "\"");
}

void vy_json_fstr(FILE *f, const char *s)
{
	struct vy_buf b = {0};
	vy_json_str(&b, s);
	fwrite(b.data, 1, b.len, f);
	vy_buf_free(&b);
}

const char *vy_json_num(char *buf, double d)
{
	for (int prec = 6; prec < 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return buf;
	}
	snprintf(buf, 32, "%.17g", d);
	return buf;
}
