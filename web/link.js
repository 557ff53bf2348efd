// The vendor interface over WebUSB: find it, claim it, and run SCSI
// commands through it in the vendor framing of docs/PROTOCOL-VENDOR.md
// (the Bulk-Only Transport with the signatures "UMVC"/"UMVS" and vendor-type
// Reset and Get Max LUN). No browser-only API is used beyond the WebUSB
// USBDevice, so the same code runs under node against a stand-in device.

export const VENDOR_CLASS = 0xff;
export const VENDOR_SUBCLASS = 0x4d; // 'M'
export const VENDOR_PROTOCOL = 0x56; // 'V'
// requestDevice() filter: a filter's class triple matches any interface's.
export const USB_FILTERS = [
  { classCode: VENDOR_CLASS, subclassCode: VENDOR_SUBCLASS, protocolCode: VENDOR_PROTOCOL },
];

const CBW_SIGNATURE = 0x43564d55; // "UMVC"
const CSW_SIGNATURE = 0x53564d55; // "UMVS"
const CBW_LEN = 31;
const CSW_LEN = 13;
const REQ_RESET = 0xff;
const REQ_GET_MAX_LUN = 0xfe;
const SENSE_LEN = 18;
const DEFAULT_TIMEOUT_MS = 20000;

// Why something failed, as the page explains it to a person.
//   busy      another program holds the interface (or the device)
//   denied    the browser or the OS refused access
//   gone      the device went away (unplugged, or rebooting)
//   timeout   the device stopped answering
//   transport the exchange broke (invalid CSW, phase error)
//   refused   the device answered CHECK CONDITION (sense attached)
//   image     the image file itself was refused by the page's checks
//   nodevice  no device with our vendor interface
export class UsbmscError extends Error {
  constructor(kind, message, extra = {}) {
    super(message);
    this.name = 'UsbmscError';
    this.kind = kind;
    Object.assign(this, extra);
  }
}

// A WebUSB exception, named by what it means here.
export function classify(e) {
  if (e instanceof UsbmscError) return e;
  const name = e && e.name;
  const text = (e && e.message) || String(e);
  if (name === 'NotFoundError')
    return new UsbmscError('gone', 'the device was disconnected', { cause: e });
  if (name === 'SecurityError')
    return new UsbmscError('denied', `access denied: ${text}`, { cause: e });
  if (name === 'InvalidStateError')
    return new UsbmscError('gone', `the device is closed: ${text}`, { cause: e });
  return new UsbmscError('transport', `USB transfer failed: ${text}`, { cause: e });
}

// The interface with our class triple in the device's active (or first)
// configuration, and its bulk endpoints. Never by interface number: that
// depends on how the firmware composes its functions.
export function findVendorInterface(device) {
  const configs = device.configuration ? [device.configuration] : device.configurations || [];
  for (const config of configs) {
    for (const iface of config.interfaces) {
      for (const alt of iface.alternates) {
        if (
          alt.interfaceClass !== VENDOR_CLASS ||
          alt.interfaceSubclass !== VENDOR_SUBCLASS ||
          alt.interfaceProtocol !== VENDOR_PROTOCOL
        )
          continue;
        const bulk = (dir) =>
          alt.endpoints.find((ep) => ep.type === 'bulk' && ep.direction === dir);
        const epIn = bulk('in');
        const epOut = bulk('out');
        if (!epIn || !epOut) continue;
        return {
          configurationValue: config.configurationValue,
          interfaceNumber: iface.interfaceNumber,
          alternateSetting: alt.alternateSetting,
          epIn: epIn.endpointNumber,
          epOut: epOut.endpointNumber,
          packetSize: epIn.packetSize,
        };
      }
    }
  }
  return null;
}

export function hasVendorInterface(device) {
  return findVendorInterface(device) !== null;
}

function withTimeout(promise, ms, what) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new UsbmscError('timeout', `${what}: no answer within ${ms / 1000} s`)),
      ms,
    );
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

function le32(v) {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function cbw(tag, length, dirIn, lun, cdb) {
  const b = new Uint8Array(CBW_LEN);
  b.set(le32(CBW_SIGNATURE), 0);
  b.set(le32(tag), 4);
  b.set(le32(length), 8);
  b[12] = dirIn ? 0x80 : 0x00;
  b[13] = lun & 0x0f;
  b[14] = cdb.length;
  b.set(cdb, 15);
  return b;
}

function toBytes(view) {
  if (!view) return new Uint8Array(0);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

// The answer of one command: status 0 (good) or 1 (CHECK CONDITION, with
// the sense that REQUEST SENSE returned on this interface).
export class Link {
  constructor(device, where) {
    this.device = device;
    this.where = where;
    this.tag = 1;
    this.timeoutMs = DEFAULT_TIMEOUT_MS;
  }

  // Open the device and claim its vendor interface; the mass-storage
  // interface stays with the operating system.
  static async open(device, { timeoutMs } = {}) {
    let where = findVendorInterface(device);
    if (!where && !device.configuration && !device.configurations)
      throw new UsbmscError('nodevice', 'this device has no configuration to look in');
    try {
      if (!device.opened) await device.open();
    } catch (e) {
      throw openError(e, 'open the device');
    }
    try {
      if (!device.configuration) {
        await device.selectConfiguration(where ? where.configurationValue : 1);
      }
      where = findVendorInterface(device);
      if (!where)
        throw new UsbmscError(
          'nodevice',
          'the device has no usbmsc vendor interface (class ff/4d/56)',
        );
      await device.claimInterface(where.interfaceNumber);
    } catch (e) {
      await device.close().catch(() => {});
      throw openError(e, 'claim the vendor interface');
    }
    const link = new Link(device, where);
    if (timeoutMs) link.timeoutMs = timeoutMs;
    return link;
  }

  async close() {
    try {
      await this.device.releaseInterface(this.where.interfaceNumber);
    } catch (e) {
      /* gone already: nothing to release */
    }
    await this.device.close().catch(() => {});
  }

  async guard(promise, what, ms = this.timeoutMs) {
    try {
      return await withTimeout(promise, ms, what);
    } catch (e) {
      throw classify(e);
    }
  }

  async control(dirIn, request, length) {
    const setup = {
      requestType: 'vendor',
      recipient: 'interface',
      request,
      value: 0,
      index: this.where.interfaceNumber,
    };
    if (dirIn) return this.guard(this.device.controlTransferIn(setup, length), 'control transfer');
    return this.guard(this.device.controlTransferOut(setup), 'control transfer');
  }

  async getMaxLun() {
    const r = await this.control(true, REQ_GET_MAX_LUN, 1);
    if (r.status !== 'ok' || !r.data || r.data.byteLength < 1) return 0;
    return r.data.getUint8(0);
  }

  // Reset Recovery: vendor Reset, then clear both halts.
  async resetRecovery() {
    await this.control(false, REQ_RESET, 0);
    await this.guard(this.device.clearHalt('in', this.where.epIn), 'clear halt');
    await this.guard(this.device.clearHalt('out', this.where.epOut), 'clear halt');
  }

  async clearHalt(dir) {
    const ep = dir === 'in' ? this.where.epIn : this.where.epOut;
    await this.guard(this.device.clearHalt(dir, ep), 'clear halt');
  }

  async readCsw(tag, timeoutMs) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await this.guard(
        this.device.transferIn(this.where.epIn, CSW_LEN),
        'CSW',
        timeoutMs,
      );
      if (r.status === 'stall') {
        await this.clearHalt('in');
        continue;
      }
      const b = toBytes(r.data);
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      if (
        r.status !== 'ok' ||
        b.length !== CSW_LEN ||
        v.getUint32(0, true) !== CSW_SIGNATURE ||
        v.getUint32(4, true) !== tag ||
        b[12] > 2
      ) {
        await this.resetRecovery().catch(() => {});
        throw new UsbmscError('transport', 'invalid CSW from the device: Reset Recovery done');
      }
      return { residue: v.getUint32(8, true), status: b[12] };
    }
    await this.resetRecovery().catch(() => {});
    throw new UsbmscError('transport', 'the CSW stalled twice: Reset Recovery done');
  }

  // One command in the three stages; no sense is asked for.
  async exchange(cdb, { lun = 0, dataIn = 0, dataOut = null, timeoutMs = this.timeoutMs } = {}) {
    const tag = this.tag++ >>> 0;
    const length = dataOut ? dataOut.length : dataIn;
    const w = cbw(tag, length, dataOut === null && dataIn > 0, lun, cdb);
    const sent = await this.guard(this.device.transferOut(this.where.epOut, w), 'CBW', timeoutMs);
    if (sent.status !== 'ok') {
      await this.resetRecovery().catch(() => {});
      throw new UsbmscError('transport', 'the device refused the CBW: Reset Recovery done');
    }
    let data = new Uint8Array(0);
    if (dataOut && dataOut.length) {
      const r = await this.guard(
        this.device.transferOut(this.where.epOut, dataOut),
        'data out',
        timeoutMs,
      );
      if (r.status === 'stall') await this.clearHalt('out');
    } else if (dataIn > 0) {
      const r = await this.guard(
        this.device.transferIn(this.where.epIn, dataIn),
        'data in',
        timeoutMs,
      );
      if (r.status === 'stall') await this.clearHalt('in');
      else if (r.status !== 'ok') throw new UsbmscError('transport', `data stage: ${r.status}`);
      else data = toBytes(r.data).slice();
    }
    const csw = await this.readCsw(tag, timeoutMs);
    if (csw.status === 2) {
      await this.resetRecovery().catch(() => {});
      throw new UsbmscError('transport', 'phase error: Reset Recovery done');
    }
    return { status: csw.status, residue: csw.residue, data };
  }

  async requestSense(lun) {
    const r = await this.exchange(Uint8Array.of(0x03, 0, 0, 0, SENSE_LEN, 0), {
      lun,
      dataIn: SENSE_LEN,
    });
    return decodeSense(r.data);
  }

  // A command; on CHECK CONDITION the sense comes along.
  async command(cdb, opts = {}) {
    const r = await this.exchange(cdb, opts);
    if (r.status === 0) return { ok: true, data: r.data, residue: r.residue };
    const sense = await this.requestSense(opts.lun || 0);
    return { ok: false, data: r.data, residue: r.residue, sense };
  }
}

function openError(e, what) {
  if (e instanceof UsbmscError) return e;
  const text = (e && e.message) || String(e);
  // Chrome says "Unable to claim interface." (NetworkError) when another
  // program (or a kernel driver) holds it, and "Access denied."
  // (SecurityError) when the OS refuses the device node.
  if (e && e.name === 'NetworkError')
    return new UsbmscError(
      'busy',
      `cannot ${what}: another program is using the device (${text})`,
      { cause: e },
    );
  if (e && e.name === 'SecurityError')
    return new UsbmscError('denied', `cannot ${what}: access denied (${text})`, { cause: e });
  return classify(e);
}

// Fixed or descriptor format sense: key, ASC, ASCQ.
export function decodeSense(b) {
  if (!b || b.length < 2) return null;
  const code = b[0] & 0x7f;
  if ((code === 0x72 || code === 0x73) && b.length >= 4)
    return { key: b[1] & 0x0f, asc: b[2], ascq: b[3] };
  if ((code === 0x70 || code === 0x71) && b.length >= 14)
    return { key: b[2] & 0x0f, asc: b[12], ascq: b[13] };
  return null;
}
