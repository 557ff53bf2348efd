/* A device's blocks seen k times larger (scale_pipe.h). */
#include "scale_pipe.h"

#include <stdlib.h>
#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/scsi.h"

#define CB 15u              /* where the CDB starts in a CBW */
#define RC10_LEN 8u
#define RC16_MIN 12u
#define SA_READ_CAPACITY16 0x10u

enum pending { NONE, RC10, RC16 };

struct scale {
	struct usbmsc_pipe base;
	struct usbmsc_pipe *inner;
	uint32_t k;
	enum pending pending;   /* the next IN carries READ CAPACITY data to rewrite */
};

static struct scale *to_scale(struct usbmsc_pipe *p)
{
	return (struct scale *)p;
}

/* LBA and count of a READ/WRITE (10, 12, 16); false for other CDBs. */
static bool rw_fields(const uint8_t *cdb, bool *write, uint64_t *lba, uint64_t *count)
{
	switch (cdb[0]) {
	case USBMSC_OP_READ10:
	case USBMSC_OP_WRITE10:
		*lba = usbmsc_get_be32(cdb + 2);
		*count = usbmsc_get_be16(cdb + 7);
		break;
	case USBMSC_OP_READ12:
	case USBMSC_OP_WRITE12:
		*lba = usbmsc_get_be32(cdb + 2);
		*count = usbmsc_get_be32(cdb + 6);
		break;
	case USBMSC_OP_READ16:
	case USBMSC_OP_WRITE16:
		*lba = usbmsc_get_be64(cdb + 2);
		*count = usbmsc_get_be32(cdb + 10);
		break;
	default:
		return false;
	}
	*write = cdb[0] == USBMSC_OP_WRITE10 || cdb[0] == USBMSC_OP_WRITE12 ||
		 cdb[0] == USBMSC_OP_WRITE16;
	return true;
}

/* The CBW as the device gets it: READ/WRITE scaled into the 16-byte form. */
static void rewrite_cbw(struct scale *sp, uint8_t *cbw)
{
	uint8_t *cdb = cbw + CB, flags = cdb[1];
	uint64_t lba, count;
	bool write;

	sp->pending = NONE;
	if (cdb[0] == USBMSC_OP_READ_CAPACITY10)
		sp->pending = RC10;
	if (cdb[0] == USBMSC_OP_SERVICE_ACTION_IN16 && (cdb[1] & 0x1Fu) == SA_READ_CAPACITY16)
		sp->pending = RC16;
	if (!rw_fields(cdb, &write, &lba, &count))
		return;
	count *= sp->k;
	memset(cdb, 0, 16);
	cdb[0] = write ? USBMSC_OP_WRITE16 : USBMSC_OP_READ16;
	cdb[1] = flags;
	usbmsc_put_be64(cdb + 2, lba * sp->k);
	usbmsc_put_be32(cdb + 10, count > UINT32_MAX ? UINT32_MAX : (uint32_t)count);
	cbw[14] = 16;
}

/* READ CAPACITY's answer in the large blocks. */
static void rewrite_capacity(struct scale *sp, uint8_t *buf, size_t done)
{
	uint64_t blocks;

	if (sp->pending == RC10 && done >= RC10_LEN && usbmsc_get_be32(buf) != UINT32_MAX) {
		blocks = ((uint64_t)usbmsc_get_be32(buf) + 1u) / sp->k;
		usbmsc_put_be32(buf, blocks ? (uint32_t)(blocks - 1u) : 0u);
		usbmsc_put_be32(buf + 4, usbmsc_get_be32(buf + 4) * sp->k);
	} else if (sp->pending == RC16 && done >= RC16_MIN) {
		blocks = (usbmsc_get_be64(buf) + 1u) / sp->k;
		usbmsc_put_be64(buf, blocks ? blocks - 1u : 0u);
		usbmsc_put_be32(buf + 8, usbmsc_get_be32(buf + 8) * sp->k);
	}
	sp->pending = NONE;
}

static int s_bulk(struct usbmsc_pipe *p, bool in, uint8_t *buf, size_t len, size_t *done,
		  unsigned tmo)
{
	struct scale *sp = to_scale(p);
	uint8_t cbw[USBMSC_CBW_LEN];
	int r;

	if (!in && len == USBMSC_CBW_LEN &&
	    usbmsc_get_le32(buf) == usbmsc_cbw_signature((enum usbmsc_framing)p->framing)) {
		memcpy(cbw, buf, sizeof cbw);
		rewrite_cbw(sp, cbw);
		return sp->inner->ops->bulk(sp->inner, false, cbw, sizeof cbw, done, tmo);
	}
	r = sp->inner->ops->bulk(sp->inner, in, buf, len, done, tmo);
	if (in && sp->pending != NONE)
		rewrite_capacity(sp, buf, *done < len ? *done : len);
	return r;
}

static int s_clear_halt(struct usbmsc_pipe *p, bool in, unsigned tmo)
{
	return to_scale(p)->inner->ops->clear_halt(to_scale(p)->inner, in, tmo);
}

static int s_control(struct usbmsc_pipe *p, uint8_t rt, uint8_t req, uint16_t value,
		     uint16_t index, uint8_t *data, uint16_t len, size_t *done, unsigned tmo)
{
	struct usbmsc_pipe *in = to_scale(p)->inner;

	return in->ops->control(in, rt, req, value, index, data, len, done, tmo);
}

static int s_port_reset(struct usbmsc_pipe *p)
{
	struct usbmsc_pipe *in = to_scale(p)->inner;

	return in->ops->port_reset ? in->ops->port_reset(in) : USBMSC_PIPE_ERROR;
}

static void s_close(struct usbmsc_pipe *p)
{
	struct scale *sp = to_scale(p);

	sp->inner->ops->close(sp->inner);
	free(sp);
}

static const struct usbmsc_pipe_ops scale_ops = {
	.bulk = s_bulk,
	.clear_halt = s_clear_halt,
	.control = s_control,
	.port_reset = s_port_reset,
	.close = s_close,
};

struct usbmsc_pipe *scale_pipe_new(struct usbmsc_pipe *inner, uint32_t k)
{
	struct scale *sp = calloc(1, sizeof *sp);

	if (!sp) {
		inner->ops->close(inner);
		return NULL;
	}
	sp->base = *inner;
	sp->base.ops = &scale_ops;
	sp->inner = inner;
	sp->k = k ? k : 1u;
	return &sp->base;
}
