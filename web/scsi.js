// The SCSI commands a firmware update needs, over a Link (link.js), and
// the words for the sense codes it may meet. CDB layouts as
// src/wire/cdb.c builds them; FW STATE and FW CONFIRM as
// include/usbmsc/fwproto.h defines them.

import { UsbmscError } from './link.js';

const KEYS = [
  'NO SENSE',
  'RECOVERED ERROR',
  'NOT READY',
  'MEDIUM ERROR',
  'HARDWARE ERROR',
  'ILLEGAL REQUEST',
  'UNIT ATTENTION',
  'DATA PROTECT',
  'BLANK CHECK',
  'VENDOR SPECIFIC',
  'COPY ABORTED',
  'ABORTED COMMAND',
  'RESERVED',
  'VOLUME OVERFLOW',
  'MISCOMPARE',
  'COMPLETED',
];

// The additional sense codes a firmware update meets (the full table is
// data/asc-ascq.txt; the page needs only these).
const ASC = {
  0x0400: 'logical unit not ready',
  0x0c00: 'write error',
  0x1100: 'unrecovered read error',
  0x2000: 'invalid command operation code',
  0x2400: 'invalid field in CDB',
  0x2600: 'invalid field in parameter list',
  0x2900: 'power on, reset, or bus device reset occurred',
  0x2c00: 'command sequence error',
  0x3f01: 'microcode has been changed',
};

const hex2 = (n) => n.toString(16).toUpperCase().padStart(2, '0');

export function senseCode(s) {
  return s ? `${hex2(s.key)}/${hex2(s.asc)}/${hex2(s.ascq)}` : '';
}

export function senseText(s) {
  if (!s) return 'no sense data';
  const what = ASC[(s.asc << 8) | s.ascq] || (s.asc === 0x04 ? ASC[0x0400] : null);
  return `${senseCode(s)} ${KEYS[s.key]}${what ? `: ${what}` : ''}`;
}

// What a refusal means to a firmware update (docs/FIRMWARE.md, Sense codes).
export function fwSenseMeaning(s) {
  if (!s) return '';
  if (s.key === 5 && s.asc === 0x26)
    return (
      'the device refused the image: its own checks (signature, payload hash, device fit, ' +
      'anti-rollback, length) did not pass'
    );
  if (s.key === 5 && s.asc === 0x24) return 'the device refused the command (invalid field in CDB)';
  if (s.key === 5 && s.asc === 0x2c)
    return 'the device is not ready for this step (an image waits for its reboot or is on trial)';
  if (s.key === 3) return 'the device could not write or read its flash';
  return senseText(s);
}

const trimmed = (b, from, n) =>
  String.fromCharCode(...b.subarray(from, from + n)).replace(/[ \0]+$/, '');
const be16 = (b, o) => (b[o] << 8) | b[o + 1];
const be24 = (b, o) => (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
const be32 = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

const UA_RETRIES = 4;

// A command whose unit attentions are consumed (it did not run, so it is
// sent again); each one seen is handed to onAttention.
export async function run(link, cdb, opts = {}, onAttention = () => {}) {
  let r;
  for (let i = 0; i <= UA_RETRIES; i++) {
    r = await link.command(cdb, opts);
    if (r.ok || !r.sense || r.sense.key !== 6) return r;
    onAttention(r.sense);
  }
  return r;
}

export function fail(what, r) {
  return new UsbmscError('refused', `${what}: ${senseText(r.sense)}`, { sense: r.sense });
}

export async function inquiry(link, lun = 0) {
  const r = await link.command(Uint8Array.of(0x12, 0, 0, 0, 36, 0), { lun, dataIn: 36 });
  if (!r.ok) throw fail('INQUIRY', r);
  const b = r.data;
  if (b.length < 36) throw new UsbmscError('transport', `INQUIRY: ${b.length} bytes, not 36`);
  return {
    type: b[0] & 0x1f,
    vendor: trimmed(b, 8, 8),
    product: trimmed(b, 16, 16),
    revision: trimmed(b, 32, 4),
  };
}

export async function serialNumber(link, lun = 0) {
  const r = await link.command(Uint8Array.of(0x12, 1, 0x80, 0, 252, 0), { lun, dataIn: 252 });
  if (!r.ok || r.data.length < 4) return null;
  return trimmed(r.data, 4, Math.min(r.data.length - 4, be16(r.data, 2))).trim() || null;
}

export async function testUnitReady(link, lun = 0) {
  return link.command(new Uint8Array(6), { lun });
}

// FW STATE: 80 bytes, big-endian (fwproto.h).
export const FW_STATE_LEN = 80;
export const FWST_PENDING = 0x01;
export const FWST_TRIAL = 0x02;
export const FWST_REVERTED = 0x04;
export const FWST_WIDE_OFFSET = 0x08;
export const MODEBIT = { 0x05: 0x20, 0x07: 0x80, 0x0e: 0x04, 0x0f: 0x01 };
export const NO_SLOT = 0xff;

export function parseFwState(b) {
  if (!b || b.length < FW_STATE_LEN || trimmed(b, 0, 4) !== 'UMFS' || b[4] !== 1) return null;
  return {
    activeSlot: b[5],
    flags: b[6] & (FWST_PENDING | FWST_TRIAL | FWST_REVERTED),
    wideOffset: (b[6] & FWST_WIDE_OFFSET) !== 0,
    pendingSlot: b[7],
    activeVersion: trimmed(b, 8, 4),
    activeNumber: be32(b, 12),
    pendingVersion: trimmed(b, 16, 4),
    pendingNumber: be32(b, 20),
    lastError: be32(b, 24) & 0xffffff,
    floor: be32(b, 28),
    capacity: be32(b, 32),
    offsetShift: b[36],
    modes: b[37],
    hwRev: be16(b, 38),
    pubkey: b.slice(40, 72),
    vid: be16(b, 72),
    pid: be16(b, 74),
  };
}

export function lastErrorSense(state) {
  if (!state || !state.lastError) return null;
  return {
    key: (state.lastError >> 16) & 0x0f,
    asc: (state.lastError >> 8) & 0xff,
    ascq: state.lastError & 0xff,
  };
}

export async function fwState(link, lun = 0, onAttention) {
  const r = await run(
    link,
    Uint8Array.of(0xd0, 0, 0, 0, FW_STATE_LEN, 0),
    { lun, dataIn: FW_STATE_LEN },
    onAttention,
  );
  if (!r.ok) {
    if (r.sense && r.sense.key === 5) return null; // not served
    throw fail('FW STATE', r);
  }
  return parseFwState(r.data);
}

export async function fwConfirm(link, lun = 0, onAttention) {
  const r = await run(link, Uint8Array.of(0xd1, 0, 0, 0, 0, 0), { lun }, onAttention);
  if (!r.ok) throw fail('FW CONFIRM', r);
}

// READ BUFFER (10) and WRITE BUFFER (10) share one layout: mode, BUFFER ID
// (offset bits 31:24), 24-bit offset and 24-bit length.
function bufferCdb(opcode, mode, offset, length) {
  return Uint8Array.of(
    opcode,
    mode,
    (offset >>> 24) & 0xff,
    (offset >>> 16) & 0xff,
    (offset >>> 8) & 0xff,
    offset & 0xff,
    (length >>> 16) & 0xff,
    (length >>> 8) & 0xff,
    length & 0xff,
    0,
  );
}

function readBufferCdb(mode, offset, length) {
  return bufferCdb(0x3c, mode, offset, length);
}

export async function readBufferDescriptor(link, lun = 0, onAttention) {
  const r = await run(link, readBufferCdb(0x03, 0, 4), { lun, dataIn: 4 }, onAttention);
  if (!r.ok || r.data.length < 4) return null;
  return { offsetShift: r.data[0], capacity: be24(r.data, 1) };
}

export async function readBufferData(link, offset, length, lun = 0, onAttention) {
  const r = await run(
    link,
    readBufferCdb(0x02, offset, length),
    { lun, dataIn: length },
    onAttention,
  );
  return r.ok ? r.data : null;
}

// WRITE BUFFER (10): the chunk's first byte's offset, bits 23:0 in BUFFER
// OFFSET and bits 31:24 in BUFFER ID (only for a device with wide offsets;
// the caller keeps other images below 16 MiB).
export function writeBufferCdb(mode, offset, length) {
  return bufferCdb(0x3b, mode, offset, length);
}

export async function writeBuffer(link, mode, offset, data, lun = 0, onAttention, timeoutMs) {
  return run(
    link,
    writeBufferCdb(mode, offset, data ? data.length : 0),
    { lun, dataOut: data && data.length ? data : null, timeoutMs },
    onAttention,
  );
}
