/* Transfer progress on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "cli.h"

#define REDRAW_NS 200000000L

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void draw(const struct progress *p, uint64_t done, const struct timespec *now, bool final)
{
	double secs = seconds_between(&p->start, now);
	double rate = secs > 0 ? (double)done / secs / 1e6 : 0.0;
	char done_h[32], total_h[32];

	fprintf(stderr, "\rusbmsc: %s: %s of %s, %.1f MB/s, %3u%%%s", p->verb,
		cli_human_size(done, done_h, sizeof done_h),
		cli_human_size(p->total, total_h, sizeof total_h), rate,
		(unsigned)(p->total ? done * 100 / p->total : 100), final ? "\n" : "   ");
	fflush(stderr);
}

void progress_begin(struct progress *p, const char *verb, uint64_t total)
{
	p->verb = verb;
	p->total = total;
	p->on = total > PROGRESS_MIN_BYTES && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void progress_update(struct progress *p, uint64_t done)
{
	struct timespec now;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - p->last.tv_sec) * 1000000000L + (now.tv_nsec - p->last.tv_nsec) < REDRAW_NS)
		return;
	p->last = now;
	draw(p, done, &now, false);
}

void progress_end(struct progress *p, uint64_t done)
{
	struct timespec now;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	draw(p, done, &now, true);
	p->on = false;
}
