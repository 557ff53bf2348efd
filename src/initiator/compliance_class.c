/* The compliance suite's class-request checks (compliance_internal.h): Get
 * Max LUN, and malformed class requests, which the device must stall. */
#include "compliance_internal.h"

#include <stdio.h>

static void check_get_max_lun(struct suite *s)
{
	const char *expected = "1 byte, 0..15, or a stall (LUN 0 only)";
	char seen[USBMSC_CHECK_TEXT_MAX];
	uint8_t value = 0xEE;
	size_t n;
	int r = cpl_control(s, RT_CLASS_IN, USBMSC_REQ_GET_MAX_LUN, 0, &value, 1, &n);

	s->rep->max_lun = 0;
	if (r == USBMSC_PIPE_STALL) {
		s->rep->max_lun_stalled = true;
		cpl_record(s, "get-max-lun", true, "stall", expected, "stalled (LUN 0 only)");
		return;
	}
	if (r == USBMSC_PIPE_OK && n == 1 && value <= USBMSC_MAX_LUN) {
		s->rep->max_lun = value;
		snprintf(seen, sizeof seen, "%u", value);
		cpl_record(s, "get-max-lun", true, "answer", expected, seen);
		return;
	}
	if (r == USBMSC_PIPE_OK && n == 1)
		snprintf(seen, sizeof seen, "%u", value);
	else if (r == USBMSC_PIPE_OK)
		snprintf(seen, sizeof seen, "%zu bytes", n);
	else
		snprintf(seen, sizeof seen, "%s", cpl_pipe_text(r));
	cpl_record(s, "get-max-lun", false, NULL, expected, seen);
}

/* A malformed class request must be stalled. */
static void check_bad_request(struct suite *s, const char *name, uint8_t rt, uint8_t req,
			      uint16_t value, uint16_t len, const char *expected)
{
	char seen[USBMSC_CHECK_TEXT_MAX];
	uint8_t data[2] = { 0, 0 };
	size_t n;
	int r = cpl_control(s, rt, req, value, data, len, &n);

	if (r == USBMSC_PIPE_STALL)
		snprintf(seen, sizeof seen, "stalled");
	else if (r == USBMSC_PIPE_OK && (rt & 0x80u))
		snprintf(seen, sizeof seen, "answered with %zu byte%s", n, n == 1 ? "" : "s");
	else if (r == USBMSC_PIPE_OK)
		snprintf(seen, sizeof seen, "accepted");
	else
		snprintf(seen, sizeof seen, "%s", cpl_pipe_text(r));
	cpl_record(s, name, r == USBMSC_PIPE_STALL, NULL, expected, seen);
}

void cpl_check_class_requests(struct suite *s)
{
	check_get_max_lun(s);
	check_bad_request(s, "class-request/get-max-lun-wvalue-1", RT_CLASS_IN,
			  USBMSC_REQ_GET_MAX_LUN, 1, 1, "Get Max LUN, wValue 1: stall");
	check_bad_request(s, "class-request/get-max-lun-wlength-2", RT_CLASS_IN,
			  USBMSC_REQ_GET_MAX_LUN, 0, 2, "Get Max LUN, wLength 2: stall");
	check_bad_request(s, "class-request/reset-wvalue-1", RT_CLASS_OUT, USBMSC_REQ_RESET, 1, 0,
			  "Mass Storage Reset, wValue 1: stall");
	check_bad_request(s, "class-request/reset-wlength-1", RT_CLASS_OUT, USBMSC_REQ_RESET, 0, 1,
			  "Mass Storage Reset, wLength 1: stall");
}

