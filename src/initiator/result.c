/* Results of one command: outcome names and the category of a result. */
#include "usbmsc/initiator.h"

const char *usbmsc_outcome_name(enum usbmsc_outcome outcome)
{
	switch (outcome) {
	case USBMSC_OUTCOME_GOOD: return "good";
	case USBMSC_OUTCOME_CHECK_CONDITION: return "check-condition";
	case USBMSC_OUTCOME_PHASE_ERROR: return "phase-error";
	case USBMSC_OUTCOME_TRANSPORT_ERROR: return "transport-error";
	case USBMSC_OUTCOME_TIMEOUT: return "timeout";
	}
	return "unknown";
}

int usbmsc_result_status(const struct usbmsc_result *res)
{
	struct usbmsc_sense sense;

	switch (res->outcome) {
	case USBMSC_OUTCOME_GOOD:
		return USBMSC_OK;
	case USBMSC_OUTCOME_CHECK_CONDITION:
		/* Without readable sense the failure has no known cause. */
		if (!usbmsc_sense_decode(res->sense, res->sense_len, &sense))
			return USBMSC_E_OTHER;
		return usbmsc_status_from_sense_key(sense.key);
	case USBMSC_OUTCOME_TIMEOUT:
		return USBMSC_E_TIMEOUT;
	case USBMSC_OUTCOME_PHASE_ERROR:
	case USBMSC_OUTCOME_TRANSPORT_ERROR:
		break;
	}
	return USBMSC_E_TRANSPORT;
}
