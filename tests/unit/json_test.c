/*
 * json_test.c: the one JSON writer (src/json.c): escaping of quotes,
 * backslashes and control characters, valid UTF-8 passed through, invalid
 * bytes as \ufffd, and the shortest round-tripping numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int fails;

static void str_case(const char *name, const char *in, const char *want)
{
	struct vy_buf b = {0};
	vy_json_str(&b, in);
	char *got = vy_buf_cstr(&b);
	if (!strcmp(got, want))
		printf("PASS json_str_%s\n", name);
	else
		printf("FAIL json_str_%s: got %s, want %s\n", name, got, want), fails++;
	free(got);
	vy_buf_free(&b);
}

static void num_case(const char *name, double d, const char *want)
{
	char buf[32];
	if (!strcmp(vy_json_num(buf, d), want))
		printf("PASS json_num_%s\n", name);
	else
		printf("FAIL json_num_%s: got %s, want %s\n", name, buf, want), fails++;
}

int main(void)
{
	str_case("plain", "saxpy", "\"saxpy\"");
	str_case("null", NULL, "\"\"");
	str_case("quote_backslash", "a\"b\\c", "\"a\\\"b\\\\c\"");
	str_case("short_forms", "l1\nl2\tx\r", "\"l1\\nl2\\tx\\r\"");
	str_case("control", "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	str_case("utf8", "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	str_case("bad_lead", "a\xff" "b", "\"a\\ufffdb\"");
	str_case("truncated", "\xe2\x82", "\"\\ufffd\\ufffd\"");
	str_case("overlong", "\xc0\xaf", "\"\\ufffd\\ufffd\"");
	str_case("surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	str_case("past_max", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	num_case("int", 32, "32");
	num_case("small", 4.8828125e-4, "0.00048828125");
	num_case("abs", 2e-7, "2e-07");
	num_case("tenth", 0.1, "0.1");
	num_case("third", 1.0 / 3, "0.3333333333333333");
	return fails != 0;
}
