// The web updater's protocol module (web/usbmsc.js) against the real target
// core and firmware engine: the virtual device as a vendor interface
// (sim: framing=vendor) behind a stand-in WebUSB device (fake_usb.mjs).
//
// node --test tests/web/test_web.mjs, with USBMSC_BRIDGE (sim_bridge),
// USBMSC_CLI (the usbmsc command) and USBMSC_SRC (the source tree) set;
// meson test runs it so (suite web).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';

import * as usbmsc from '../../web/usbmsc.js';
import { FakeUsb } from './fake_usb.mjs';

const BRIDGE = process.env.USBMSC_BRIDGE;
const CLI = process.env.USBMSC_CLI;
const SRC = process.env.USBMSC_SRC;
if (!BRIDGE || !CLI || !SRC) throw new Error('set USBMSC_BRIDGE, USBMSC_CLI and USBMSC_SRC');
const SECRET = join(SRC, 'data/demo-fw-secret.key');
const crypto = globalThis.crypto || webcrypto;

// A Web Crypto without Ed25519, as in a browser that lacks it: the page
// then leaves the signature to the device.
const noEd25519 = {
  subtle: {
    digest: (...a) => crypto.subtle.digest(...a),
    importKey: async () => {
      const e = new Error('Ed25519 is not supported');
      e.name = 'NotSupportedError';
      throw e;
    },
  },
};

function workdir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'usbmsc-web-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function cli(...args) {
  return execFileSync(CLI, args, { encoding: 'utf8', stdio: 'pipe' });
}

// A signed image: 20 KiB of payload (several chunks with a 8 KiB chunk).
function pack(
  dir,
  version,
  number,
  { key = SECRET, vid = '1209', pid = '0001', size = 20 * 1024 } = {},
) {
  const payload = join(dir, `payload-${version}.bin`);
  const image = join(dir, `app-${version}.umfw`);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + number) & 0xff;
  writeFileSync(payload, b);
  cli(
    'fw',
    'pack',
    '--key',
    key,
    '--version',
    version,
    '--version-number',
    String(number),
    '--vid',
    vid,
    '--pid',
    pid,
    '-o',
    image,
    payload,
  );
  return new Uint8Array(readFileSync(image));
}

async function setup(t, options = '') {
  const dir = workdir(t);
  const usb = new FakeUsb({
    bridge: BRIDGE,
    path: join(dir, 'disk.img'),
    options: ['size=1M', options].filter(Boolean).join('&'),
  });
  t.after(() => cleanEnds(usb));
  await usb.plug();
  const device = await usb.requestDevice({ filters: usbmsc.USB_FILTERS });
  const link = await usbmsc.Link.open(device);
  return { dir, usb, device, link };
}

// Every sim_bridge that was not pulled out (SIGKILL) ended with status 0:
// under the sanitizers a leak or an error report makes it non-zero.
async function cleanEnds(usb) {
  for (const e of await usb.shutdown())
    if (e.signal !== 'SIGKILL')
      assert.deepEqual(e, { code: 0, signal: null }, 'sim_bridge ended cleanly');
}

const reconnectFor = (usb, device) => (before, ms) =>
  usbmsc.waitForReturn(usb, device, ms, {
    vendorId: device.vendorId,
    productId: device.productId,
    serialNumber: device.serialNumber,
  });

// What the device runs, seen through a fresh plug-in.
async function runningOn(usb) {
  const [dev] = await usb.getDevices();
  const link = await usbmsc.Link.open(dev);
  const p = await usbmsc.probe(link);
  await link.close();
  return p;
}

test('finds the vendor interface by class, not number, and refuses the protected one', async (t) => {
  const { device, link } = await setup(t);
  assert.equal(link.where.interfaceNumber, 1);
  assert.equal(link.where.epIn, 3);
  assert.equal(link.where.epOut, 4);
  await assert.rejects(device.claimInterface(0), { name: 'SecurityError' });
  assert.equal(await link.getMaxLun(), 0);
  const p = await usbmsc.probe(link);
  assert.equal(p.inquiry.vendor, 'USBMSC');
  assert.equal(p.inquiry.product, 'Virtual Disk');
  assert.equal(p.inquiry.revision, '0100');
  assert.equal(p.serial, 'WEBTEST0001');
  assert.equal(p.state.activeVersion, '0100');
  assert.equal(p.state.vid, 0x1209);
  assert.equal(p.descriptor.offsetShift, 12);
  // the power-on unit attention was met and consumed on the way
  assert.ok(p.attentions.some((s) => s.key === 6 && s.asc === 0x29));
});

test('a full update: download, activation, re-enumeration, confirmation', async (t) => {
  const { dir, usb, device, link } = await setup(t, 'fw-reboot=disconnect');
  const image = pack(dir, '0200', 2);
  const events = [];
  const r = await usbmsc.update(link, image, {
    chunk: 8192,
    crypto,
    onEvent: (e) => events.push(e),
    reconnect: reconnectFor(usb, device),
  });
  assert.equal(r.before.state.activeVersion, '0100');
  assert.equal(r.after.inquiry.revision, '0200');
  assert.equal(r.after.state.activeVersion, '0200');
  assert.equal(r.after.state.activeNumber, 2);
  assert.equal(r.after.state.flags & usbmsc.FWST_TRIAL, 0, 'confirmed, not on trial');
  assert.equal(r.after.state.floor, 2);
  assert.notEqual(r.link.device, device, 'a new USBDevice after the re-enumeration');
  const progress = events.filter((e) => e.event === 'progress');
  assert.equal(progress.length, Math.ceil(image.length / 8192));
  assert.equal(progress.at(-1).bytes, image.length);
  assert.ok(events.some((e) => e.event === 'plan' && /mode 0x0e, then 0x0f/.test(e.text)));
  assert.ok(events.some((e) => e.event === 'note' && /signature good/.test(e.text)));
  assert.ok(events.some((e) => e.event === 'confirm'));
  assert.equal(device.outBytes, image.length, 'each byte sent once');
  await r.link.close();
  // The flash keeps it: the command line's view of the same device.
  await usb.shutdown();
  const info = JSON.parse(cli('--json', '-d', `sim:${join(dir, 'disk.img')}`, 'fw', 'info'));
  assert.equal(info.active.version, '0200');
  assert.equal(info.trial, false);
});

test('a device that reboots in place (06/3F/01) is confirmed without a reconnection', async (t) => {
  const { dir, link } = await setup(t, 'fw-reboot=stay');
  const image = pack(dir, '0300', 3);
  const r = await usbmsc.update(link, image, { crypto });
  assert.equal(r.link, link);
  assert.equal(r.after.state.activeVersion, '0300');
  assert.equal(r.after.state.flags & usbmsc.FWST_TRIAL, 0);
});

test('a forged image is refused by the device, with its reason', async (t) => {
  const { dir, usb, device, link } = await setup(t, 'fw-reboot=disconnect');
  cli('fw', 'keygen', join(dir, 'other.sec'), join(dir, 'other.pub'));
  const forged = pack(dir, '0900', 9, { key: join(dir, 'other.sec') });
  // A browser with Ed25519 refuses it in the page: nothing is sent.
  await assert.rejects(usbmsc.update(link, forged, { crypto }), (e) => {
    assert.equal(e.kind, 'image');
    assert.match(e.message, /signature does not verify/);
    return true;
  });
  assert.equal(device.writeBuffers, 0);
  // Without Ed25519 in the page the device's check refuses it.
  await assert.rejects(
    usbmsc.update(link, forged, {
      crypto: noEd25519,
      chunk: 8192,
      reconnect: reconnectFor(usb, device),
    }),
    (e) => {
      assert.equal(e.kind, 'refused');
      assert.deepEqual(e.sense, { key: 5, asc: 0x26, ascq: 0 });
      assert.match(e.message, /the device refused the image/);
      assert.match(e.message, /05\/26\/00 ILLEGAL REQUEST: invalid field in parameter list/);
      assert.match(e.message, /keeps running version 0100/);
      return true;
    },
  );
  assert.ok(device.writeBuffers > 0);
  const p = await usbmsc.probe(link);
  assert.equal(p.state.activeVersion, '0100');
  assert.equal(p.state.flags & usbmsc.FWST_PENDING, 0);
  assert.equal(p.state.lastError, 0x052600);
});

test('a changed payload byte is refused in the page, hash checked with or without Ed25519', async (t) => {
  const { dir, device, link } = await setup(t);
  const image = pack(dir, '0200', 2);
  image[image.length - 1] ^= 1;
  for (const c of [crypto, noEd25519]) {
    await assert.rejects(usbmsc.update(link, image, { crypto: c }), /SHA-256 does not match/);
  }
  assert.equal(device.writeBuffers, 0);
});

test('a device that vanishes mid-download keeps its old version', async (t) => {
  const { dir, usb, device, link } = await setup(t, 'fw-reboot=disconnect');
  const image = pack(dir, '0200', 2, { size: 64 * 1024 });
  let pulled = false;
  usb.outHook = (dev, bytes) => {
    if (!pulled && bytes.length !== 31 && dev.outBytes > image.length / 2) {
      pulled = true;
      dev.bridge.proc.kill('SIGKILL'); // the cable goes before this chunk lands
    }
  };
  const events = [];
  await assert.rejects(
    usbmsc.update(link, image, { crypto, chunk: 8192, onEvent: (e) => events.push(e) }),
    (e) => {
      assert.equal(e.kind, 'gone');
      assert.match(e.message, /went away after \d+ of \d+ bytes/);
      assert.match(e.message, /keeps running version 0100/);
      assert.match(e.message, /plug it back in and run the update again/);
      return true;
    },
  );
  assert.ok(pulled);
  const sent = events.filter((x) => x.event === 'progress').at(-1).bytes;
  assert.ok(sent > 0 && sent < image.length);
  usb.outHook = null;
  await device.bridge.exited;
  await usb.plug();
  const p = await runningOn(usb);
  assert.equal(p.inquiry.revision, '0100');
  assert.equal(p.state.activeVersion, '0100');
  assert.equal(p.state.flags & (usbmsc.FWST_PENDING | usbmsc.FWST_TRIAL), 0);
  // Running it again completes it.
  const [again] = await usb.getDevices();
  const r = await usbmsc.update(await usbmsc.Link.open(again), image, {
    crypto,
    reconnect: reconnectFor(usb, again),
  });
  assert.equal(r.after.state.activeVersion, '0200');
  await r.link.close();
});

test('anti-rollback: a downgrade is refused in the page, nothing sent', async (t) => {
  const { dir, usb, device, link } = await setup(t, 'fw-reboot=disconnect');
  const r = await usbmsc.update(link, pack(dir, '0300', 3), {
    crypto,
    reconnect: reconnectFor(usb, device),
  });
  const dev2 = r.link.device;
  const old = pack(dir, '0200', 2);
  await assert.rejects(usbmsc.update(r.link, old, { crypto }), (e) => {
    assert.equal(e.kind, 'image');
    assert.match(
      e.message,
      /downgrade: version 0200 \(number 2\) is below the device's anti-rollback floor 3 \(it runs 0300, number 3\)/,
    );
    return true;
  });
  assert.equal(dev2.writeBuffers, 0);
});

test('an image for another device is refused in the page', async (t) => {
  const { dir, device, link } = await setup(t);
  const other = pack(dir, '0200', 2, { vid: '1234', pid: '5678' });
  await assert.rejects(
    usbmsc.update(link, other, { crypto }),
    /made for USB device 1234:5678; this device is 1209:0001/,
  );
  assert.equal(device.writeBuffers, 0);
});

test('a device in use by another program: the page says so', async (t) => {
  const dir = workdir(t);
  const usb = new FakeUsb({ bridge: BRIDGE, path: join(dir, 'disk.img'), options: 'size=1M' });
  t.after(() => cleanEnds(usb));
  const device = await usb.plug();
  usb.busy = true;
  await assert.rejects(usbmsc.Link.open(device), (e) => {
    assert.equal(e.kind, 'busy');
    assert.match(e.message, /another program is using the device/);
    return true;
  });
  assert.equal(device.opened, false, 'closed again');
});

test('the header checks agree with the C parser (usbmsc fw inspect)', async (t) => {
  const dir = workdir(t);
  const good = pack(dir, '0200', 2, { size: 64 });
  const cases = [
    ['SHORT', (b) => b.subarray(0, 100)],
    [
      'MAGIC',
      (b) => {
        b[0] = 0x41;
      },
    ],
    [
      'FORMAT',
      (b) => {
        b[4] = 2;
      },
    ],
    [
      'HEADER_LEN',
      (b) => {
        b[7] = 2;
      },
    ],
    [
      'FLAGS',
      (b) => {
        b[8] = 1;
      },
    ],
    [
      'RESERVED',
      (b) => {
        b[100] = 1;
      },
    ],
    [
      'VERSION',
      (b) => {
        b[44] = 0x20;
      },
    ],
    [
      'VERSION',
      (b) => {
        b[46] = 0x20;
        b[47] = 0x41;
      },
    ],
    [
      'HW_RANGE',
      (b) => {
        b[40] = 5;
        b[42] = 4;
        b[43] = 0;
      },
    ],
    [
      'IDENTITY',
      (b) => {
        b.fill(0x20, 16, 24);
      },
    ],
    [
      'IDENTITY',
      (b) => {
        b[16] = 0x55;
        b[17] = 0x01;
      },
    ],
  ];
  for (const [want, change] of cases) {
    let b = good.slice();
    b = change(b) || b;
    assert.equal(usbmsc.parseHeader(b).check, want);
    const file = join(dir, 'case.umfw');
    writeFileSync(file, b);
    let out = '';
    try {
      cli('fw', 'inspect', file);
    } catch (e) {
      out = e.stderr;
    }
    assert.ok(out.includes(usbmsc.CHECK_TEXT[want]), `${want}: the command says ${out}`);
  }
  const p = usbmsc.parseHeader(good);
  assert.equal(p.check, 'OK');
  assert.equal(p.header.version, '0200');
  assert.equal(p.header.vid, 0x1209);
  assert.equal(p.header.vendor, '');
});
