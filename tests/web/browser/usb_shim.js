// Injected into the page before its scripts (puppeteer's
// evaluateOnNewDocument) by drive.mjs page: a navigator.usb whose devices
// live in the node process that drives the browser (fake_usb.mjs over
// sim_bridge), reached through window.__usbCall. Only what the page uses.
(() => {
  const b64 = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const bytesOf = (d) =>
    d instanceof Uint8Array
      ? d
      : d.buffer
        ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
        : new Uint8Array(d);

  async function call(id, method, args = []) {
    const r = await window.__usbCall(id, method, args);
    if (r && r.error) {
      const e = new Error(r.error.message);
      e.name = r.error.name;
      throw e;
    }
    return r;
  }

  const devices = new Map();

  class ShimDevice {
    constructor(info) {
      Object.assign(this, info);
      this.opened = false;
    }
    async open() {
      await call(this.id, 'open');
      this.opened = true;
    }
    async close() {
      this.opened = false;
      await call(this.id, 'close');
    }
    async selectConfiguration(v) {
      await call(this.id, 'selectConfiguration', [v]);
    }
    async claimInterface(n) {
      await call(this.id, 'claimInterface', [n]);
    }
    async releaseInterface(n) {
      await call(this.id, 'releaseInterface', [n]);
    }
    async clearHalt(dir, ep) {
      await call(this.id, 'clearHalt', [dir, ep]);
    }
    async transferOut(ep, data) {
      return call(this.id, 'transferOut', [ep, b64(bytesOf(data))]);
    }
    async transferIn(ep, length) {
      const r = await call(this.id, 'transferIn', [ep, length]);
      const b = unb64(r.data);
      return { status: r.status, data: new DataView(b.buffer) };
    }
    async controlTransferIn(setup, length) {
      const r = await call(this.id, 'controlTransferIn', [setup, length]);
      const b = unb64(r.data);
      return { status: r.status, data: new DataView(b.buffer) };
    }
    async controlTransferOut(setup, data) {
      return call(this.id, 'controlTransferOut', [setup, data ? b64(bytesOf(data)) : null]);
    }
  }

  const deviceOf = (info) => {
    if (!devices.has(info.id)) devices.set(info.id, new ShimDevice(info));
    return devices.get(info.id);
  };

  class ShimUsb extends EventTarget {
    async getDevices() {
      const list = await call(0, 'getDevices');
      return list.map(deviceOf);
    }
    async requestDevice() {
      const list = await this.getDevices();
      if (!list.length) {
        const e = new Error('No device selected.');
        e.name = 'NotFoundError';
        throw e;
      }
      return list[0];
    }
  }

  const usb = new ShimUsb();
  Object.defineProperty(Navigator.prototype, 'usb', { get: () => usb, configurable: true });
  window.__usbEvent = (type, info) => {
    const e = new Event(type);
    e.device = deviceOf(info);
    if (type === 'disconnect') e.device.opened = false;
    usb.dispatchEvent(e);
  };
})();
