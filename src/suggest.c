/*
 * suggest.c: did-you-mean.  The closest candidate by edit distance, when it
 * is close enough to be a likely typo; and the one lookup of the component
 * registries (emitters, launcher emitters, backends), which suggests from
 * the same names it matches.
 */
#include <string.h>

#include "vyrec.h"

static int distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 63 || m > 63)
		return 99;
	int row[64];
	for (size_t j = 0; j <= m; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[m];
}

const char *vy_closest(const char *word, const char *const *cands, int n)
{
	const char *best = NULL;
	int bestd = 99, limit = (int)strlen(word) / 3 + 1;
	for (int i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		int d = distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit && bestd > 0 ? best : NULL;
}

int vy_reg_find(const struct vy_reg_head *const *heads, int n,
		const char *name, const char **near)
{
	const char *names[64];
	int nn = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(heads[i]->id, name))
			return i;
		if (nn < 64)
			names[nn++] = heads[i]->id;
		for (int j = 0; heads[i]->aliases && heads[i]->aliases[j]; j++) {
			if (!strcmp(heads[i]->aliases[j], name))
				return i;
			if (nn < 64)
				names[nn++] = heads[i]->aliases[j];
		}
	}
	if (near)
		*near = vy_closest(name, names, nn);
	return -1;
}

