// A stand-in for navigator.usb and USBDevice (WebUSB) whose vendor
// interface is the virtual device's pipe, reached through sim_bridge (the
// real target core and firmware engine in a child process). The device
// looks like a usbmsc-built composite device: interface 0 mass storage
// (a protected class: claiming it fails as in Chrome), interface 1 the
// vendor interface ff/4d/56 with bulk endpoints 3 (IN) and 4 (OUT).
//
// What a browser would do is imitated where the page relies on it:
//   - transfers on a device that went away reject with NotFoundError and
//     the usb object fires "disconnect";
//   - a device that leaves by itself (sim: fw-reboot=disconnect after a
//     firmware activation) comes back as a new USBDevice ("connect") with
//     the same VID, PID and serial number, after its "reboot";
//   - claimInterface on an interface another program holds rejects with
//     NetworkError "Unable to claim interface.".
import { spawn } from 'node:child_process';

const SIM_INTERFACE = 0; // the bridge's pipe answers to interface 0
const EP_IN = 3;
const EP_OUT = 4;

function domError(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

const gone = () => domError('NotFoundError', 'The device was disconnected.');

// The child process and its byte stream, one request at a time.
class Bridge {
  constructor(exe, path, options) {
    this.proc = spawn(exe, [path, options], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.buf = Buffer.alloc(0);
    this.waiter = null;
    this.dead = false;
    this.queue = Promise.resolve();
    this.proc.stdout.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code, signal) => {
        this.dead = true;
        this.exit = { code, signal };
        this.wake();
        resolve();
      }),
    );
    this.proc.stdin.on('error', () => {});
  }

  wake() {
    if (this.waiter) this.waiter();
  }

  async take(n) {
    while (this.buf.length < n) {
      if (this.dead) throw gone();
      await new Promise((r) => {
        this.waiter = r;
      });
      this.waiter = null;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async ready() {
    const hello = await this.take(4);
    if (hello.toString() !== 'SBR1') throw new Error('sim_bridge did not start');
  }

  // One request; returns { result, data }.
  request(op, { arg = 0, request = 0, value = 0, index = 0, length = 0, data = null } = {}) {
    const run = async () => {
      if (this.dead) throw gone();
      const h = Buffer.alloc(12);
      h[0] = op.charCodeAt(0);
      h[1] = arg;
      h[2] = request;
      h.writeUInt16LE(value, 4);
      h.writeUInt16LE(index, 6);
      h.writeUInt32LE(data ? data.length : length, 8);
      this.proc.stdin.write(data ? Buffer.concat([h, Buffer.from(data)]) : h);
      const r = await this.take(8);
      const done = r.readUInt32LE(4);
      const isIn = op === 'I' || (op === 'C' && arg & 0x80);
      const payload = isIn && done ? Buffer.from(await this.take(done)) : Buffer.alloc(0);
      return { result: r[0], done, data: payload };
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  async end() {
    if (!this.dead) this.proc.stdin.end();
    await this.exited;
  }

  kill() {
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}

function descriptors() {
  const ep = (endpointNumber, direction) => ({
    endpointNumber,
    direction,
    type: 'bulk',
    packetSize: 512,
  });
  const iface = (interfaceNumber, c, s, p, eps) => ({
    interfaceNumber,
    claimed: false,
    alternates: [
      {
        alternateSetting: 0,
        interfaceClass: c,
        interfaceSubclass: s,
        interfaceProtocol: p,
        interfaceName: null,
        endpoints: eps,
      },
    ],
    get alternate() {
      return this.alternates[0];
    },
  });
  return {
    configurationValue: 1,
    configurationName: null,
    interfaces: [
      iface(0, 0x08, 0x06, 0x50, [ep(1, 'in'), ep(2, 'out')]),
      iface(1, 0xff, 0x4d, 0x56, [ep(EP_IN, 'in'), ep(EP_OUT, 'out')]),
    ],
  };
}

export class FakeDevice {
  constructor(usb, bridge) {
    this.usb = usb;
    this.bridge = bridge;
    this.vendorId = 0x1209;
    this.productId = 0x0001;
    this.serialNumber = usb.serial;
    this.productName = 'usbmsc virtual device';
    this.manufacturerName = 'usbmsc';
    this.configuration = descriptors();
    this.configurations = [this.configuration];
    this.opened = false;
    this.gone = false;
    this.claimed = new Set();
    this.outBytes = 0; // data-stage bytes sent, for the tests
    this.writeBuffers = 0; // WRITE BUFFER CBWs seen
  }

  check(iface) {
    if (this.gone) throw gone();
    if (!this.opened) throw domError('InvalidStateError', 'The device must be opened first.');
    if (iface !== undefined && !this.claimed.has(iface))
      throw domError(
        'InvalidStateError',
        'The specified endpoint is not part of a claimed and selected alternate interface.',
      );
  }

  async open() {
    if (this.gone) throw gone();
    this.opened = true;
  }

  async close() {
    this.opened = false;
    this.claimed.clear();
  }

  async selectConfiguration() {
    this.check();
  }

  async claimInterface(n) {
    this.check();
    if (n === 0)
      throw domError('SecurityError', 'The requested interface implements a protected class.');
    if (this.usb.busy) throw domError('NetworkError', 'Unable to claim interface.');
    this.claimed.add(n);
  }

  async releaseInterface(n) {
    this.check();
    this.claimed.delete(n);
  }

  // A bridge answer in WebUSB's terms; a device that went away rejects.
  async xfer(op, opts) {
    let r;
    try {
      r = await this.bridge.request(op, opts);
    } catch (e) {
      this.usb.lost(this);
      throw gone();
    }
    switch (r.result) {
      case 0:
        return { status: 'ok', r };
      case 1:
        return { status: 'stall', r };
      case 3:
        this.usb.lost(this);
        throw gone();
      case 2:
        throw domError(
          'NetworkError',
          'A transfer error has occurred. (the device NAKed: nothing armed)',
        );
      default:
        return { status: 'babble', r };
    }
  }

  async transferOut(ep, data) {
    this.check(1);
    if (ep !== EP_OUT)
      throw domError('NotFoundError', `endpoint ${ep} OUT is not part of a claimed interface`);
    const bytes = new Uint8Array(
      data.buffer ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data,
    );
    if (bytes.length === 31 && bytes[0] === 0x55 && bytes[15] === 0x3b) this.writeBuffers++;
    else if (bytes.length !== 31) this.outBytes += bytes.length;
    this.usb.beforeOut(this, bytes);
    const { status, r } = await this.xfer('O', { data: bytes });
    return { status, bytesWritten: r.done };
  }

  async transferIn(ep, length) {
    this.check(1);
    if (ep !== EP_IN)
      throw domError('NotFoundError', `endpoint ${ep} IN is not part of a claimed interface`);
    const { status, r } = await this.xfer('I', { length });
    const b = r.data;
    return { status, data: new DataView(b.buffer, b.byteOffset, b.length) };
  }

  setup(s, dirIn) {
    const type = { standard: 0x00, class: 0x20, vendor: 0x40 }[s.requestType];
    const recip = { device: 0, interface: 1, endpoint: 2, other: 3 }[s.recipient];
    let index = s.index;
    if (s.recipient === 'interface') {
      this.check(s.index);
      index = SIM_INTERFACE;
    }
    return { arg: (dirIn ? 0x80 : 0) | type | recip, request: s.request, value: s.value, index };
  }

  async controlTransferIn(s, length) {
    this.check();
    const { status, r } = await this.xfer('C', { ...this.setup(s, true), length });
    const b = r.data;
    return { status, data: new DataView(b.buffer, b.byteOffset, b.length) };
  }

  async controlTransferOut(s, data) {
    this.check();
    const { status, r } = await this.xfer('C', {
      ...this.setup(s, false),
      data: data ? new Uint8Array(data) : null,
    });
    return { status, bytesWritten: r.done };
  }

  async clearHalt(dir, ep) {
    this.check(1);
    if ((dir === 'in' && ep !== EP_IN) || (dir === 'out' && ep !== EP_OUT))
      throw domError('NotFoundError', `endpoint ${ep} ${dir} is not part of a claimed interface`);
    await this.xfer('H', { arg: dir === 'in' ? 1 : 0 });
  }

  async reset() {
    this.check();
    await this.xfer('R', {});
  }
}

// navigator.usb for one virtual device: sim:PATH?OPTIONS (framing=vendor
// is added), with serial=SERIAL so that it keeps its serial number.
export class FakeUsb extends EventTarget {
  constructor({ bridge, path, options = '', serial = 'WEBTEST0001', rebootMs = 50 }) {
    super();
    this.exe = bridge;
    this.path = path;
    this.serial = serial;
    this.options = ['framing=vendor', `serial=${serial}`, options].filter(Boolean).join('&');
    this.rebootMs = rebootMs;
    this.devices = [];
    this.busy = false;
    this.outHook = null;
    this.replugging = null;
    this.bridges = [];
  }

  // Plug the device in: a new bridge, a new USBDevice.
  async plug() {
    const bridge = new Bridge(this.exe, this.path, this.options);
    this.bridges.push(bridge);
    await bridge.ready();
    const dev = new FakeDevice(this, bridge);
    this.devices.push(dev);
    this.fire('connect', dev);
    return dev;
  }

  // Pull it out: the child is killed, as the cable is pulled, mid-transfer.
  async unplug(dev) {
    await dev.bridge.kill();
    this.lost(dev);
  }

  // The device went away (unplugged, or left by itself to reboot).
  lost(dev) {
    if (dev.gone) return;
    dev.gone = true;
    dev.opened = false;
    this.devices = this.devices.filter((d) => d !== dev);
    this.fire('disconnect', dev);
    if (!dev.bridge.dead) {
      // It left by itself: it reboots and enumerates again.
      this.replugging = (async () => {
        await dev.bridge.end();
        await new Promise((r) => setTimeout(r, this.rebootMs));
        await this.plug();
      })();
    }
  }

  beforeOut(dev, bytes) {
    if (this.outHook) this.outHook(dev, bytes);
  }

  fire(type, device) {
    const e = new Event(type);
    e.device = device;
    this.dispatchEvent(e);
  }

  async getDevices() {
    return [...this.devices];
  }

  async requestDevice({ filters }) {
    const match = (d) =>
      filters.some((f) =>
        d.configuration.interfaces.some((i) =>
          i.alternates.some(
            (a) =>
              (f.classCode === undefined || f.classCode === a.interfaceClass) &&
              (f.subclassCode === undefined || f.subclassCode === a.interfaceSubclass) &&
              (f.protocolCode === undefined || f.protocolCode === a.interfaceProtocol),
          ),
        ),
      );
    const d = this.devices.find(match);
    if (!d) throw domError('NotFoundError', 'No device selected.');
    return d;
  }

  // Every child ended; how each ended ({ code, signal }).
  async shutdown() {
    if (this.replugging) await this.replugging.catch(() => {});
    await Promise.all(this.devices.map((d) => d.bridge.end()));
    await Promise.all(this.bridges.map((b) => b.exited));
    this.devices = [];
    return this.bridges.map((b) => b.exit);
  }
}
