/* The command line of usbmsc-gadget: one struct with every setting, filled
 * by gadget_parse_args. Pure: parsing never touches the system (the LUN
 * files are opened later, by lun_file.c). */
#ifndef USBMSC_GADGET_OPTIONS_H
#define USBMSC_GADGET_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/target.h"

#define GADGET_DEFAULT_NAME "usbmsc"
#define GADGET_DEFAULT_VID 0x1209u  /* pid.codes */
#define GADGET_DEFAULT_PID 0x0001u  /* its test PID: pass --vid/--pid for a product */
/* 4 x 40 KiB: a Linux host's 120 KiB command is three whole loads; measured
 * against 16 KiB to 1 MiB in the lab (docs/BENCHMARKS.md) */
#define GADGET_DEFAULT_BUFFER (40u * 1024u)
#define GADGET_MIN_BUFFER 4096u
#define GADGET_MAX_BUFFER (1024u * 1024u)
#define GADGET_DEFAULT_BUFFERS 4u

/* --io: where file I/O runs with more than one buffer. */
enum gadget_io {
	GADGET_IO_SYNC,    /* in the event loop, while the queued transfers move */
	GADGET_IO_THREAD   /* on a thread of each interface (lun_worker.h) */
};

#define LUN_SPEC_MAX 320

/* One --lun FILE[,ro][,removable][,bs=4096][,size=SIZE][,direct]. */
struct lun_spec {
	char text[LUN_SPEC_MAX]; /* a copy of the argument, split at the commas */
	const char *path;       /* points into text */
	uint16_t block_size;    /* 512 or 4096 */
	bool read_only;
	bool removable;
	bool direct;            /* open with O_DIRECT */
	uint64_t create_size;   /* size=: create the file sparse if missing; 0: must exist */
};

struct gadget_opts {
	const char *udc;                 /* NULL: the only entry in /sys/class/udc */
	const char *name;                /* configfs gadget and FunctionFS instance name */
	uint16_t vid, pid;
	const char *manufacturer;        /* USB strings */
	const char *product_string;
	const char *serial;              /* USB serial number; also VPD 0x80 */
	const char *vendor;              /* INQUIRY */
	const char *product;
	const char *revision;
	struct lun_spec luns[USBMSC_TARGET_MAX_LUNS];
	unsigned lun_count;
	bool pad;                        /* pad instead of stalling in cases 4 and 5 */
	uint32_t buffer;                 /* streaming buffer, bytes (each of them) */
	uint8_t buffers;                 /* 1: the one-buffer core; 2..16 pipelined */
	uint8_t io;                      /* enum gadget_io */
	int verbose;
	/* Firmware update engine (vendor.c): --fw-state FILE, the flash file
	 * (NULL: no engine); --fw-pubkey FILE (NULL: the demo key); --fw-slot
	 * SIZE for a flash file created now. */
	const char *fw_state;
	const char *fw_pubkey;
	uint32_t fw_slot;
	bool fw_slot_set;
	bool fw_reboot_stay;             /* --fw-reboot stay: activate in place, no disconnect */
	bool fw_reboot_no_csw;           /* --fw-reboot before-csw: disconnect before the CSW */
	bool fw_reboot_set;
	bool control_lun;                /* --control-lun: an extra last LUN of type 0x03 */
	bool file_door;                  /* --file-door: the file door's LUN after the disks */
	/* --vendor-interface: a second interface (class 0xFF, doors.h) in the
	 * same configuration, served by a second target core over the same
	 * LUNs in the vendor framing, with Microsoft OS descriptors. */
	bool vendor_interface;
};

enum gadget_parse_result {
	GADGET_PARSE_RUN,      /* options are good: run the gadget */
	GADGET_PARSE_HELP,     /* --help was given */
	GADGET_PARSE_VERSION,  /* --version was given */
	GADGET_PARSE_ERROR     /* err holds the message */
};

/* Parse argv (argv[0] is the program). The string options point into argv,
 * which must stay alive while opts is used. */
enum gadget_parse_result gadget_parse_args(int argc, char **argv, struct gadget_opts *opts,
					   char *err, size_t err_len);

/* One --lun argument. */
bool gadget_parse_lun(const char *spec, struct lun_spec *out, char *err, size_t err_len);

/* A 16-bit number in hex, with or without 0x ("1d6b", "0x1d6b"). */
bool gadget_parse_hex16(const char *s, uint16_t *out);

/* The text of --help. */
extern const char gadget_usage[];

#endif
