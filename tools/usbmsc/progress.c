/* Transfer progress on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>

#include "../../src/os/os_clock.h"
#include "../../src/os/os_file.h"
#include "cli.h"

#define REDRAW_NS 200000000u

static void draw(const struct progress *p, uint64_t done, uint64_t now_ns, bool final)
{
	double secs = (double)(now_ns - p->start_ns) / 1e9;
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
	p->on = total > PROGRESS_MIN_BYTES && usbmsc_file_is_terminal(2);
	p->start_ns = usbmsc_clock_ns();
	p->last_ns = p->start_ns;
}

void progress_update(struct progress *p, uint64_t done)
{
	uint64_t now;

	if (!p->on)
		return;
	now = usbmsc_clock_ns();
	if (now - p->last_ns < REDRAW_NS)
		return;
	p->last_ns = now;
	draw(p, done, now, false);
}

void progress_end(struct progress *p, uint64_t done)
{
	if (!p->on)
		return;
	draw(p, done, usbmsc_clock_ns(), true);
	p->on = false;
}
