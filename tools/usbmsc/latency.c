/* Latency statistics by selection (latency.h). */
#include "latency.h"

static void swap(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

/* The median of three values, as the pivot: sorted or reversed samples do
 * not make the selection quadratic. */
static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
	if (a > b)
		swap(&a, &b);
	if (b > c)
		b = c;
	return a > b ? a : b;
}

/* Reorder v[lo..hi] so that v[k] holds the value it would hold sorted,
 * nothing larger before it, nothing smaller after it (Hoare's selection). */
static void select_kth(uint64_t *v, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k)
{
	while (lo < hi) {
		uint64_t pivot = median3(v[lo], v[lo + (hi - lo) / 2], v[hi]);
		ptrdiff_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j)
				swap(&v[i++], &v[j--]);
		}
		/* now v[lo..j] <= pivot <= v[i..hi], and v[j+1..i-1] == pivot */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* The nearest-rank percentile's index (pct 1..100): the smallest value
 * that at least pct % of the values do not exceed. */
static size_t rank_index(size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;

	return rank ? rank - 1 : 0;
}

void latency_stats(uint64_t *v, size_t n, struct latency_stats *s)
{
	size_t m = rank_index(n, 50), p = rank_index(n, 99);
	double sum = 0;

	s->min = s->max = v[0];
	for (size_t i = 0; i < n; i++) {
		sum += (double)v[i];
		if (v[i] < s->min)
			s->min = v[i];
		if (v[i] > s->max)
			s->max = v[i];
	}
	s->mean = sum / (double)n;
	select_kth(v, 0, (ptrdiff_t)n - 1, (ptrdiff_t)m);
	s->median = v[m];
	/* everything from m on is at least the median: p is among them */
	select_kth(v, (ptrdiff_t)m, (ptrdiff_t)n - 1, (ptrdiff_t)p);
	s->p99 = v[p];
}
