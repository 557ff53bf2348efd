// The signed firmware image (docs/FIRMWARE-IMAGE.md): the 256-byte header
// parsed and checked as src/wire/fwimage.c does, in the same order with the
// same verdicts, the device fit, and the payload hash and Ed25519 signature
// with Web Crypto.

export const HEADER_LEN = 256;
const SIGNED_LEN = 192;
const SIG_OFFSET = 192;

// usbmsc_fw_check_text(), word for word.
export const CHECK_TEXT = {
  SHORT: 'shorter than the 256-byte header',
  MAGIC: 'bad magic (not "UMFW"): not a firmware image',
  FORMAT: 'unknown format version (this code reads version 1)',
  HEADER_LEN: 'header length is not 256',
  FLAGS: 'unknown flag bits set',
  RESERVED: 'reserved header bytes are not zero',
  VERSION: 'version string is not 1 to 4 printable characters',
  HW_RANGE: 'lowest hardware revision is above the highest',
  IDENTITY: 'vendor or product field is not space-padded printable ASCII',
};

const le16 = (b, o) => b[o] | (b[o + 1] << 8);
const le32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const printable = (c) => c >= 0x20 && c <= 0x7e;
const allZero = (b) => b.every((c) => c === 0);

// "" (any) for all zero; null when the field is not well formed.
function identity(b) {
  if (allZero(b)) return '';
  if (!b.every(printable)) return null;
  const s = String.fromCharCode(...b).replace(/ +$/, '');
  return s.length ? s : null;
}

function version(b) {
  let n = 0;
  while (n < 4 && b[n] > 0x20 && b[n] <= 0x7e) n++;
  if (n === 0) return null;
  for (let i = n; i < 4; i++) if (b[i] !== 0x20) return null;
  return String.fromCharCode(...b.subarray(0, n));
}

// { check: 'OK', header } or { check: NAME } for the first check that fails.
export function parseHeader(buf) {
  const b = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (b.length < HEADER_LEN) return { check: 'SHORT' };
  if (String.fromCharCode(...b.subarray(0, 4)) !== 'UMFW') return { check: 'MAGIC' };
  if (le16(b, 4) !== 1) return { check: 'FORMAT' };
  if (le16(b, 6) !== HEADER_LEN) return { check: 'HEADER_LEN' };
  if (le32(b, 8) !== 0) return { check: 'FLAGS' };
  if (!allZero(b.subarray(88, SIGNED_LEN))) return { check: 'RESERVED' };
  const ver = version(b.subarray(44, 48));
  if (ver === null) return { check: 'VERSION' };
  const hwRevMin = le16(b, 40);
  const hwRevMax = le16(b, 42);
  if (hwRevMin > hwRevMax) return { check: 'HW_RANGE' };
  const vendor = identity(b.subarray(16, 24));
  const product = identity(b.subarray(24, 40));
  if (vendor === null || product === null) return { check: 'IDENTITY' };
  return {
    check: 'OK',
    header: {
      vid: le16(b, 12),
      pid: le16(b, 14),
      vendor,
      product,
      hwRevMin,
      hwRevMax,
      version: ver,
      versionNumber: le32(b, 48),
      payloadLen: le32(b, 52),
      sha256: b.slice(56, 88),
      signature: b.slice(SIG_OFFSET, HEADER_LEN),
      signed: b.slice(0, SIGNED_LEN),
    },
  };
}

const hex4 = (n) => n.toString(16).padStart(4, '0');

// The first mismatch between the image and the device, as a sentence, or
// null when it fits (usbmsc_fw_fits and fw_update.c's check_fit).
// id: { vid, pid, vendor, product, hwRev }.
export function fitProblem(h, id) {
  if ((h.vid !== 0 && h.vid !== id.vid) || (h.pid !== 0 && h.pid !== id.pid))
    return (
      `the image is made for USB device ${hex4(h.vid)}:${hex4(h.pid)}; this device is ` +
      `${hex4(id.vid)}:${hex4(id.pid)}`
    );
  const same = (want, have) => want === '' || want === (have || '').replace(/ +$/, '');
  if (!same(h.vendor, id.vendor))
    return `the image is made for vendor '${h.vendor}'; this device is '${id.vendor}'`;
  if (!same(h.product, id.product))
    return `the image is made for product '${h.product}'; this device is '${id.product}'`;
  if (id.hwRev < h.hwRevMin || id.hwRev > h.hwRevMax)
    return (
      `the image is made for hardware revisions ${h.hwRevMin} to ${h.hwRevMax}; this device ` +
      `is revision ${id.hwRev}`
    );
  return null;
}

function subtleOf(crypto) {
  const c = crypto || globalThis.crypto;
  if (!c || !c.subtle) return null;
  return c.subtle;
}

export async function sha256(bytes, crypto) {
  const subtle = subtleOf(crypto);
  if (!subtle) return null;
  return new Uint8Array(await subtle.digest('SHA-256', bytes));
}

// true or false when this Web Crypto verifies Ed25519; null when it
// cannot (older browsers): the device's own check then decides.
export async function verifySignature(h, pubkey, crypto) {
  const subtle = subtleOf(crypto);
  if (!subtle) return null;
  let key;
  try {
    key = await subtle.importKey('raw', pubkey, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    if (e && (e.name === 'NotSupportedError' || e.name === 'SyntaxError' || e.name === 'TypeError'))
      return null;
    return false; // a key the algorithm knows but refuses: not a good signature
  }
  return subtle.verify({ name: 'Ed25519' }, key, h.signature, h.signed);
}

const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// The image file on its own: header form, length, payload hash, and the
// signature against pubkey (32 bytes) when one is given. Returns
// { header, problem: sentence or null, signature: true|false|null }.
export async function examine(bytes, pubkey, crypto) {
  const p = parseHeader(bytes);
  if (p.check !== 'OK') return { header: null, problem: CHECK_TEXT[p.check], signature: null };
  const h = p.header;
  let signature = null;
  if (pubkey) {
    signature = await verifySignature(h, pubkey, crypto);
    if (signature === false)
      return {
        header: h,
        problem: 'the signature does not verify with the key the device trusts',
        signature,
      };
  }
  const found = bytes.length - HEADER_LEN;
  if (found < h.payloadLen)
    return {
      header: h,
      problem: `truncated: the header says ${h.payloadLen} payload bytes, the file has ${found}`,
      signature,
    };
  if (found > h.payloadLen)
    return { header: h, problem: `${found - h.payloadLen} bytes after the payload`, signature };
  const digest = await sha256(bytes.subarray(HEADER_LEN), crypto);
  if (digest && !sameBytes(digest, h.sha256))
    return { header: h, problem: "the payload's SHA-256 does not match the header's", signature };
  return { header: h, problem: null, signature };
}
