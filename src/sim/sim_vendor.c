/* The virtual device's vendor commands, served through the target core's
 * vendor table: DEVICE INFO, COUNTERS, ECHO WRITE, ECHO READ. Each has a
 * 6-byte CDB: opcode, 0, 0, length (big-endian, 2 bytes), 0. Layouts are
 * in docs/SIM.md. */
#include "sim_internal.h"

#include <string.h>

#include "usbmsc/byteorder.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Bytes 1, 2 and 5 are reserved; the length sits in bytes 3..4. */
static usbmsc_sense_t check_cdb(const uint8_t *cdb, uint32_t *len)
{
	if (cdb[1] || cdb[2] || cdb[5])
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	*len = usbmsc_get_be16(cdb + 3);
	return USBMSC_SENSE_OK;
}

static void build_info(const struct usbmsc_sim *sim, uint8_t lun, uint8_t out[SIM_INFO_LEN])
{
	const struct sim_image *im = &sim->images[lun];

	memset(out, 0, SIM_INFO_LEN);
	memcpy(out, SIM_INFO_MAGIC, 8);
	out[8] = SIM_INFO_VERSION;
	out[9] = sim->opt.luns;
	out[10] = (uint8_t)((sim->opt.read_only ? 0x01u : 0u) | (sim->opt.pad ? 0x02u : 0u));
	out[11] = sim->opt.bufs;
	usbmsc_put_be32(out + 12, im->block_size);
	usbmsc_put_be64(out + 16, im->block_count);
	usbmsc_put_be32(out + 24, sim->opt.buf_size);
	usbmsc_put_be32(out + 28, USBMSC_SIM_PACKET);
	usbmsc_put_be16(out + 32, sim->opt.fault_count);
	usbmsc_put_be16(out + 34, sim_faults_fired(sim));
	usbmsc_put_be32(out + 36, SIM_ECHO_MAX);
	usbmsc_put_be32(out + 40, sim->echo_len);
}

static void build_counters(const struct usbmsc_sim *sim, uint8_t out[SIM_COUNTERS_LEN])
{
	const struct sim_counters *c = &sim->counters;

	usbmsc_put_be64(out, c->commands);
	usbmsc_put_be64(out + 8, c->bytes_read);
	usbmsc_put_be64(out + 16, c->bytes_written);
	usbmsc_put_be64(out + 24, c->resets);
	usbmsc_put_be64(out + 32, c->stalls);
	usbmsc_put_be64(out + 40, c->violations);
}

/* ---- DEVICE INFO ---------------------------------------------------------- */

static usbmsc_sense_t info_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	usbmsc_sense_t s = check_cdb(cdb, len);

	(void)ctx;
	(void)lun;
	*len = min_u32(*len, SIM_INFO_LEN);
	return s;
}

static usbmsc_sense_t info_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
				uint8_t *buf, uint32_t len)
{
	uint8_t info[SIM_INFO_LEN];

	(void)cdb;
	build_info(ctx, lun, info);
	memcpy(buf, info + offset, len); /* offset + len <= SIM_INFO_LEN: begin sized it */
	return USBMSC_SENSE_OK;
}

/* ---- COUNTERS -------------------------------------------------------------- */

static usbmsc_sense_t counters_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	usbmsc_sense_t s = check_cdb(cdb, len);

	(void)ctx;
	(void)lun;
	*len = min_u32(*len, SIM_COUNTERS_LEN);
	return s;
}

static usbmsc_sense_t counters_data(void *ctx, uint8_t lun, const uint8_t *cdb,
				    uint32_t offset, uint8_t *buf, uint32_t len)
{
	uint8_t counters[SIM_COUNTERS_LEN];

	(void)lun;
	(void)cdb;
	build_counters(ctx, counters);
	memcpy(buf, counters + offset, len);
	return USBMSC_SENSE_OK;
}

/* ---- ECHO WRITE / ECHO READ ------------------------------------------------
 * ECHO WRITE fills a staging area and publishes it at end(), so a command
 * that fails or is cut short leaves the echo buffer as it was. The buffer
 * is kept in PATH.echo between processes. */

static usbmsc_sense_t echo_write_begin(void *ctx, uint8_t lun, const uint8_t *cdb,
				       uint32_t *len)
{
	struct usbmsc_sim *sim = ctx;
	usbmsc_sense_t s = check_cdb(cdb, len);

	(void)lun;
	if (s)
		return s;
	if (*len > SIM_ECHO_MAX)
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	sim->stage_len = *len;
	sim->stage_got = 0;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t echo_write_data(void *ctx, uint8_t lun, const uint8_t *cdb,
				      uint32_t offset, uint8_t *buf, uint32_t len)
{
	struct usbmsc_sim *sim = ctx;

	(void)lun;
	(void)cdb;
	if (offset + len > sim->stage_len)
		return USBMSC_SENSE_INVALID_PARAM; /* never: begin sized the transfer */
	memcpy(sim->stage + offset, buf, len);
	if (offset + len > sim->stage_got)
		sim->stage_got = offset + len;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t echo_write_end(void *ctx, uint8_t lun, const uint8_t *cdb)
{
	struct usbmsc_sim *sim = ctx;

	(void)lun;
	(void)cdb;
	if (sim->stage_got != sim->stage_len)
		return USBMSC_SENSE_PARAM_LIST_LENGTH;
	if (!sim_echo_save(sim, sim->stage, sim->stage_len))
		return USBMSC_SENSE_WRITE_ERROR;
	memcpy(sim->echo, sim->stage, sim->stage_len);
	sim->echo_len = sim->stage_len;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t echo_read_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct usbmsc_sim *sim = ctx;
	usbmsc_sense_t s = check_cdb(cdb, len);

	(void)lun;
	*len = min_u32(*len, sim->echo_len);
	return s;
}

static usbmsc_sense_t echo_read_data(void *ctx, uint8_t lun, const uint8_t *cdb,
				     uint32_t offset, uint8_t *buf, uint32_t len)
{
	struct usbmsc_sim *sim = ctx;

	(void)lun;
	(void)cdb;
	if (offset + len > sim->echo_len)
		return USBMSC_SENSE_INVALID_CDB_FIELD; /* never: begin sized the transfer */
	memcpy(buf, sim->echo + offset, len);
	return USBMSC_SENSE_OK;
}

static const struct usbmsc_vendor_cmd vendor_cmds[] = {
	{ USBMSC_SIM_OP_DEVICE_INFO, USBMSC_DIR_IN, 6, info_begin, info_data, NULL, NULL },
	{ USBMSC_SIM_OP_COUNTERS, USBMSC_DIR_IN, 6, counters_begin, counters_data, NULL, NULL },
	{ USBMSC_SIM_OP_ECHO_WRITE, USBMSC_DIR_OUT, 6, echo_write_begin, echo_write_data,
	  echo_write_end, NULL },
	{ USBMSC_SIM_OP_ECHO_READ, USBMSC_DIR_IN, 6, echo_read_begin, echo_read_data, NULL, NULL },
};

void sim_vendor_table(struct usbmsc_sim *sim, struct usbmsc_vendor_table *vt)
{
	vt->cmds = vendor_cmds;
	vt->count = (uint8_t)(sizeof vendor_cmds / sizeof vendor_cmds[0]);
	vt->ctx = sim;
}
