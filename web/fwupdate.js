// A firmware update through the vendor interface, the same steps as
// `usbmsc fw update` (src/initiator/fw_update.c):
//   probe     INQUIRY, VPD 0x80, FW STATE, READ BUFFER 0x03
//   checks    header, signature (Web Crypto's Ed25519 where the browser has
//             it; else the device's check alone), payload hash, fit,
//             anti-rollback, size, the device's own state
//   download  WRITE BUFFER 0x0E chunks (0x07 if the device has no 0x0E)
//   activate  0x0F (or the last 0x07 chunk)
//   wait      the device reboots: it goes away and comes back (a new
//             USBDevice, found by VID, PID and serial number) or stays and
//             reports 06/3F/01
//   verify    same serial number, the new version runs
//   confirm   FW CONFIRM
// Nothing is sent before the checks pass; a download cut short leaves the
// old image running (the device switches only after a complete, verified
// image). Progress and decisions go to onEvent; failures are UsbmscErrors
// whose message says what happened and what to do.

import { Link, UsbmscError, classify } from './link.js';
import * as scsi from './scsi.js';
import { examine, fitProblem } from './fwimage.js';

const MODE_CHUNKS = 0x07;
const MODE_DEFER = 0x0e;
const MODE_ACTIVATE = 0x0f;
const REACH_24 = 0xffffff;
const DEFAULT_CHUNK = 256 * 1024;
const DEFAULT_WAIT_MS = 30000;
const POLL_MS = 200;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isGone = (e) => ['gone', 'timeout', 'transport'].includes(classify(e).kind);

// What the device says about itself and its firmware.
export async function probe(link, lun = 0) {
  const seen = [];
  const onAttention = (s) => seen.push(s);
  const inquiry = await scsi.inquiry(link, lun);
  const serial = await scsi.serialNumber(link, lun);
  const state = await scsi.fwState(link, lun, onAttention);
  const descriptor = await scsi.readBufferDescriptor(link, lun, onAttention);
  return { inquiry, serial, state, descriptor, attentions: seen };
}

function capacityOf(dev) {
  if (dev.state && dev.state.wideOffset) return dev.state.capacity;
  const cap = dev.descriptor ? dev.descriptor.capacity : dev.state ? dev.state.capacity : REACH_24;
  return Math.min(cap, REACH_24);
}

// The checks before anything is sent, in fw_update.c's order. Returns the
// header and what is left to do ('download', 'activate' or 'confirm').
export async function checkImage(bytes, dev, { crypto, onEvent = () => {} } = {}) {
  const reach = dev.state && dev.state.wideOffset ? 0xffffffff : REACH_24;
  if (bytes.length === 0) throw new UsbmscError('image', 'the image file is empty');
  if (bytes.length > reach)
    throw new UsbmscError(
      'image',
      `the image has ${bytes.length} bytes: WRITE BUFFER reaches ${reach} on this device`,
    );
  if (bytes.length > capacityOf(dev))
    throw new UsbmscError(
      'image',
      `the image has ${bytes.length} bytes; the device's buffer holds ${capacityOf(dev)}`,
    );
  if (!dev.state)
    throw new UsbmscError(
      'image',
      'the device does not answer FW STATE, so the image cannot be checked against it',
    );
  const ex = await examine(bytes, dev.state.pubkey, crypto);
  if (ex.problem)
    throw new UsbmscError('image', `the image is refused: ${ex.problem}`, { header: ex.header });
  const h = ex.header;
  if (ex.signature === null)
    onEvent({
      event: 'note',
      text: 'this browser cannot check Ed25519 signatures: the device checks the signature itself',
    });
  else onEvent({ event: 'note', text: 'signature good (checked in the page)' });
  const fit = fitProblem(h, {
    vid: dev.state.vid,
    pid: dev.state.pid,
    vendor: dev.inquiry.vendor,
    product: dev.inquiry.product,
    hwRev: dev.state.hwRev,
  });
  if (fit) throw new UsbmscError('image', `the image is refused: ${fit}`, { header: h });
  const s = dev.state;
  if (h.versionNumber < s.floor)
    throw new UsbmscError(
      'image',
      `the image is a downgrade: version ${h.version} (number ${h.versionNumber}) is ` +
        `below the device's anti-rollback floor ${s.floor} (it runs ${s.activeVersion}, number ${s.activeNumber})`,
      { header: h },
    );
  return { header: h, todo: deviceTodo(h, s) };
}

// An image on trial or waiting on the device decides what is left to do.
function deviceTodo(h, s) {
  const same = (v, n) => h.version === v && h.versionNumber === n;
  if (s.flags & scsi.FWST_TRIAL) {
    if (same(s.activeVersion, s.activeNumber)) return 'confirm';
    throw new UsbmscError(
      'refused',
      `the device runs version ${s.activeVersion} on trial: it takes no download ` +
        'until that image is confirmed (update with its image again) or reverted (unplug it and plug it back in)',
    );
  }
  if (s.pendingSlot !== scsi.NO_SLOT && !(s.flags & scsi.FWST_PENDING))
    throw new UsbmscError(
      'refused',
      `version ${s.pendingVersion} was activated and waits for the device's ` +
        'reboot: unplug the device, plug it back in, then update again',
    );
  if (s.flags & scsi.FWST_PENDING && same(s.pendingVersion, s.pendingNumber)) return 'activate';
  return 'download';
}

// Mode and chunk size (usbmsc_fwu_choose_mode, usbmsc_fwu_chunk_size).
export function plan(dev, length, want = DEFAULT_CHUNK) {
  const modes = dev.state ? dev.state.modes : 0xff;
  let mode;
  if (modes & scsi.MODEBIT[MODE_DEFER] && modes & scsi.MODEBIT[MODE_ACTIVATE]) mode = MODE_DEFER;
  else if (modes & scsi.MODEBIT[MODE_CHUNKS]) mode = MODE_CHUNKS;
  else throw new UsbmscError('refused', 'the device takes neither WRITE BUFFER mode 0x0e nor 0x07');
  const shift = dev.descriptor ? dev.descriptor.offsetShift : dev.state.offsetShift;
  if (shift > 23) throw new UsbmscError('refused', 'the device takes offset 0 only: no chunks');
  const unit = 2 ** shift;
  const limit = Math.min(capacityOf(dev), want, REACH_24);
  const chunk = limit - (limit % unit);
  if (chunk === 0)
    throw new UsbmscError('refused', `no chunk fits the device's ${unit}-byte offset boundary`);
  return { mode, chunk, length };
}

class Update {
  constructor(link, bytes, opts) {
    this.link = link;
    this.bytes = bytes;
    this.lun = opts.lun || 0;
    this.onEvent = opts.onEvent || (() => {});
    this.reconnect = opts.reconnect;
    this.waitMs = opts.waitMs || DEFAULT_WAIT_MS;
    this.opts = opts;
    this.microcodeChanged = false;
    this.sent = 0;
  }

  attention = (s) => {
    if (s.asc === 0x3f && s.ascq === 0x01) this.microcodeChanged = true;
  };

  event(e) {
    this.onEvent(e);
  }

  // The download went wrong: say how the device stands.
  async refusal(what, r) {
    let sense = r.sense;
    try {
      const st = await scsi.fwState(this.link, this.lun, this.attention);
      sense = scsi.lastErrorSense(st) || sense;
    } catch (e) {
      /* the sense of the command says enough */
    }
    return new UsbmscError(
      'refused',
      `${what}: ${scsi.fwSenseMeaning(sense)} (${scsi.senseText(sense)}); ` +
        `the device keeps running version ${this.before.state.activeVersion}`,
      { sense },
    );
  }

  goneDuringDownload(e) {
    const total = this.bytes.length;
    return new UsbmscError(
      'gone',
      `the device went away after ${this.sent} of ${total} bytes (${classify(e).message}); ` +
        `it keeps running version ${this.before.state.activeVersion}, because it switches only after a ` +
        'complete, verified image: plug it back in and run the update again',
      { cause: e },
    );
  }

  async download(p) {
    let off = 0;
    let fellBack = false;
    while (off < p.length) {
      const n = Math.min(p.chunk, p.length - off);
      let r;
      try {
        r = await scsi.writeBuffer(
          this.link,
          p.mode,
          off,
          this.bytes.subarray(off, off + n),
          this.lun,
          this.attention,
        );
      } catch (e) {
        throw this.goneDuringDownload(e);
      }
      if (!r.ok) {
        const cdbRefused = r.sense && r.sense.key === 5 && r.sense.asc === 0x24;
        if (cdbRefused && off === 0 && p.mode === MODE_DEFER && !fellBack) {
          this.event({
            event: 'note',
            text: 'the device refused mode 0x0e: falling back to mode 0x07',
          });
          p.mode = MODE_CHUNKS;
          fellBack = true;
          continue;
        }
        throw await this.refusal(`WRITE BUFFER at offset ${off}`, r);
      }
      off += n;
      this.sent = off;
      this.event({ event: 'progress', bytes: off, total: p.length });
    }
  }

  async activate() {
    this.event({ event: 'activate', text: 'WRITE BUFFER mode 0x0f: activate the new firmware' });
    let r;
    try {
      r = await scsi.writeBuffer(this.link, MODE_ACTIVATE, 0, null, this.lun, this.attention);
    } catch (e) {
      // The device may drop off the bus right after the activation.
      if (isGone(e)) return;
      throw e;
    }
    if (!r.ok) throw await this.refusal('WRITE BUFFER mode 0x0f (activate)', r);
  }

  async dropLink() {
    if (this.link) await this.link.close().catch(() => {});
    this.link = null;
  }

  // Has the device been through its reboot? Its old image may answer a
  // few commands before it goes: only the new version, a reboot's unit
  // attention or FW STATE's REVERTED count.
  rebooted(after) {
    const h = this.header;
    const runsNew =
      after.inquiry.revision === h.version &&
      after.state &&
      after.state.activeVersion === h.version &&
      after.state.activeNumber === h.versionNumber;
    const reverted = after.state && after.state.flags & scsi.FWST_REVERTED;
    return (
      this.microcodeChanged ||
      runsNew ||
      reverted ||
      after.attentions.some((s) => s.asc === 0x29 || (s.asc === 0x3f && s.ascq === 0x01))
    );
  }

  async lookOnce() {
    const r = await scsi.run(this.link, new Uint8Array(6), { lun: this.lun }, (s) => {
      this.attention(s);
      if (s.asc === 0x29) this.microcodeChanged = true;
    });
    if (!r.ok && r.sense && r.sense.key === 2) return null; // not ready yet
    const after = await probe(this.link, this.lun);
    after.attentions.forEach(this.attention);
    return this.rebooted(after) ? after : null;
  }

  async waitForDevice() {
    this.event({ event: 'wait', text: 'waiting for the device to run the new firmware' });
    const deadline = Date.now() + this.waitMs;
    let told = false;
    while (Date.now() < deadline) {
      if (this.link) {
        try {
          const after = await this.lookOnce();
          if (after) return after;
        } catch (e) {
          if (!isGone(e)) throw e;
          await this.dropLink();
        }
      }
      if (!this.link) {
        if (!this.reconnect)
          throw new UsbmscError(
            'gone',
            'the device went away after activation and the page cannot look for it again',
          );
        if (!told) {
          this.event({ event: 'note', text: 'the device restarts: waiting for it to come back' });
          told = true;
        }
        const left = deadline - Date.now();
        const device = await this.reconnect(this.before, left).catch(() => null);
        if (device) {
          this.link = await Link.open(device);
          this.event({ event: 'note', text: 'the device is back' });
          continue;
        }
      }
      await sleep(POLL_MS);
    }
    throw new UsbmscError(
      'gone',
      `the device did not come back within ${this.waitMs / 1000} s of activation`,
    );
  }

  verify(after) {
    const h = this.header;
    if (this.before.serial && after.serial && after.serial !== this.before.serial)
      throw new UsbmscError(
        'gone',
        `another device answered: serial number ${after.serial}, not ${this.before.serial}`,
      );
    const s = after.state;
    if (
      after.inquiry.revision !== h.version ||
      !s ||
      s.activeVersion !== h.version ||
      s.activeNumber !== h.versionNumber
    )
      throw new UsbmscError(
        'refused',
        `after activation the device runs version ${after.inquiry.revision}, not ` +
          `${h.version}${s && s.flags & scsi.FWST_REVERTED ? ': it reverted the new image' : ''}`,
      );
  }

  async confirm() {
    this.event({ event: 'confirm', text: 'FW CONFIRM: the new firmware stays' });
    await scsi.fwConfirm(this.link, this.lun, this.attention);
    return probe(this.link, this.lun);
  }

  async run() {
    this.before = await probe(this.link, this.lun);
    this.event({ event: 'device', device: this.before });
    const { header, todo } = await checkImage(this.bytes, this.before, {
      crypto: this.opts.crypto,
      onEvent: (e) => this.event(e),
    });
    this.header = header;
    this.event({ event: 'image', header, todo });
    if (todo === 'download') {
      const p = plan(this.before, this.bytes.length, this.opts.chunk);
      this.event({
        event: 'plan',
        text:
          `WRITE BUFFER mode 0x${p.mode.toString(16).padStart(2, '0')}` +
          `${p.mode === MODE_DEFER ? ', then 0x0f' : ''}, chunks of up to ${p.chunk} bytes for ${p.length} bytes`,
      });
      await this.download(p);
      if (p.mode === MODE_DEFER) await this.activate();
    } else if (todo === 'activate') {
      this.event({
        event: 'plan',
        text: `version ${header.version} already waits on the device: activation only`,
      });
      await this.activate();
    } else {
      this.event({
        event: 'plan',
        text: `version ${header.version} already runs on trial: FW CONFIRM only`,
      });
    }
    const after = await this.waitForDevice();
    this.verify(after);
    const final = await this.confirm();
    const result = { before: this.before, after: final, header, link: this.link };
    this.event({ event: 'done', ok: true, version: final.state.activeVersion });
    return result;
  }
}

// Update the device behind link with the image bytes (a Uint8Array).
// opts: lun, chunk, crypto, waitMs, onEvent(e), reconnect(before, ms) ->
// a USBDevice once the device is back (see waitForReturn). Resolves to
// { before, after, header, link } (link: the open link to the device as it
// runs now); rejects with a UsbmscError.
export async function update(link, bytes, opts = {}) {
  const u = new Update(link, bytes, opts);
  try {
    return await u.run();
  } catch (e) {
    const err = classify(e);
    if (u.link !== link) err.link = u.link;
    throw err;
  }
}

// For reconnect: the same device (VID, PID, serial number) once it is
// back after its reboot, from usb.getDevices() (navigator.usb, where the
// browser keeps the permission for a device with a serial number).
export async function waitForReturn(usb, old, ms, { vendorId, productId, serialNumber }) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const devices = await usb.getDevices();
    const d = devices.find(
      (x) =>
        x !== old &&
        x.vendorId === vendorId &&
        x.productId === productId &&
        (!serialNumber || x.serialNumber === serialNumber),
    );
    if (d) return d;
    await sleep(POLL_MS);
  }
  return null;
}
