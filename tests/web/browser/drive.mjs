// Drive the web updater (web/) in Debian's Chromium, headless, through
// puppeteer-core. Two uses:
//
//   node drive.mjs selftest --modules DIR [--chromium PATH] --files DIR
//     No USB device needed: the page loads from a local server, has
//     navigator.usb, and its module checks images in Chromium itself (the
//     header, SHA-256 and Ed25519 through Web Crypto) against the files
//     good.umfw, forged.umfw, damaged.umfw and key.hex in DIR.
//
//   node drive.mjs page --modules DIR [--chromium PATH] --files DIR --bridge SIM_BRIDGE
//     The whole page (app.js and the module) in Chromium against the
//     virtual device: navigator.usb is replaced by usb_shim.js, whose calls
//     go to fake_usb.mjs and sim_bridge in this process. The page connects
//     by itself, updates to DIR/new.umfw across the re-enumeration, refuses
//     DIR/forged.umfw with the reason shown, says that the device went away
//     when the bridge is killed during DIR/big.umfw and that the old version
//     still runs, and connects again when the device is plugged back in.
//
//   node drive.mjs device --modules DIR [--chromium PATH] [--web DIR] --files DIR
//                  --port PORT --kill-cmd 'SHELL COMMAND'
//     A usbmsc gadget with --vendor-interface --fw-state, granted to
//     http://127.0.0.1:PORT by the WebUsbAllowDevicesForUrls policy (no
//     chooser): the page finds it, updates it with DIR/new.umfw, refuses
//     DIR/forged.umfw with the reason shown, and when the gadget is killed
//     (--kill-cmd, run once a quarter of DIR/big.umfw is sent) says that
//     it went away and that the old version still runs.
//
// Prints TAP-like lines and "N passed, M failed"; exits 1 on a failure.
import { createRequire } from 'node:module';
import { execSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readFileSync } from 'node:fs';

import { serve } from './serve.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WEB = join(HERE, '../../../web');

function args(argv) {
  const o = { mode: argv[0], chromium: '/usr/bin/chromium', port: 0 };
  for (let i = 1; i < argv.length; i += 2)
    o[argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase())] = argv[i + 1];
  return o;
}

let passed = 0;
let failed = 0;
function check(ok, what, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(
    `${ok ? 'ok' : 'not ok'} ${passed + failed} - ${what}${!ok && detail ? ` # ${detail}` : ''}`,
  );
  return ok;
}

async function launch(o) {
  const require = createRequire(join(o.modules, '..', 'noop.js'));
  const puppeteer = require('puppeteer-core');
  return puppeteer.launch({
    executablePath: o.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const visible = (page, sel) => page.$eval(sel, (e) => !e.hidden);

async function selftest(page, server) {
  check(
    await page.evaluate(() => 'usb' in navigator),
    'the page has navigator.usb (a secure context)',
  );
  check(
    !(await visible(page, '#nousb')) && (await visible(page, '#connect-box')),
    'it offers to connect a device',
  );
  const r = await page.evaluate(async (base) => {
    const m = await import('/usbmsc.js');
    const get = async (n) =>
      new Uint8Array(await (await fetch(`${base}/files/${n}`)).arrayBuffer());
    const hex = new TextDecoder().decode(await get('key.hex')).trim();
    const key = Uint8Array.from(hex.match(/../g).map((h) => parseInt(h, 16)));
    const out = {};
    for (const n of ['good', 'forged', 'damaged']) {
      const e = await m.examine(await get(`${n}.umfw`), key);
      out[n] = {
        problem: e.problem,
        signature: e.signature,
        version: e.header && e.header.version,
      };
    }
    out.short = m.parseHeader(new Uint8Array(10)).check;
    return out;
  }, server.url);
  check(
    r.good.problem === null && r.good.signature === true,
    'a good image: header, hash and Ed25519 signature good in Chromium',
    JSON.stringify(r.good),
  );
  check(r.good.version === '0200', 'its version is read from the header', r.good.version);
  check(
    r.forged.signature === false && /signature does not verify/.test(r.forged.problem),
    'an image signed with another key: the signature does not verify',
    JSON.stringify(r.forged),
  );
  check(
    /SHA-256 does not match/.test(r.damaged.problem || ''),
    'a changed payload byte: the hash does not match',
    JSON.stringify(r.damaged),
  );
  check(r.short === 'SHORT', 'ten bytes are not a header');
}

// Choose a file; the page's verdict on it (not the previous file's).
async function choose(page, file) {
  await page.$eval('#image-check', (e) => {
    e.textContent = '';
  });
  const input = await page.$('#file');
  await input.uploadFile(file);
  await page.waitForFunction(
    () => {
      const t = document.getElementById('image-check').textContent;
      return /\S/.test(t) && t !== 'checking…';
    },
    { timeout: 20000 },
  );
  return text(page, '#image-check');
}

async function waitEnd(page, ms) {
  await page.waitForFunction(
    () => !document.getElementById('result').hidden || !document.getElementById('error').hidden,
    { timeout: ms, polling: 200 },
  );
  return {
    result: (await visible(page, '#result')) ? await text(page, '#result') : null,
    error: (await visible(page, '#error')) ? await text(page, '#error') : null,
  };
}

async function device(
  page,
  o,
  v = { before: '0100', next: '0300', kill: () => execSync(o.killCmd, { stdio: 'inherit' }) },
) {
  const files = o.files;
  const connected = await page
    .waitForFunction(() => /\(number/.test(document.getElementById('device-version').textContent), {
      timeout: 30000,
    })
    .then(
      () => true,
      () => false,
    );
  if (!check(connected, 'the page found the device by itself, without a chooser')) return;
  const before = await text(page, '#device-version');
  console.log(`# the device runs ${before}`);

  const good = await choose(page, join(files, 'new.umfw'));
  check(/^good/.test(good), "the new image passes the page's checks", good);
  await page.click('#update');
  let end = await waitEnd(page, o.mode === 'page' ? 60000 : 180000);
  check(
    end.result &&
      new RegExp(`now runs version ${v.next} \\(it ran ${v.before}\\), confirmed`).test(end.result),
    'the update completes: the page shows the new version, confirmed',
    JSON.stringify(end),
  );
  check(
    new RegExp(`^${v.next} \\(number`).test(await text(page, '#device-version')),
    `the device panel shows ${v.next} after the reboot`,
  );

  const forged = await choose(page, join(files, 'forged.umfw'));
  check(
    /signature does not verify/.test(forged),
    'a forged image is refused, the reason shown',
    forged,
  );
  check(await page.$eval('#update', (b) => b.disabled), 'and the Update button stays disabled');

  const big = await choose(page, join(files, 'big.umfw'));
  check(/^good/.test(big), 'a large image passes the checks', big);
  if (v.armBeforeClick) await v.kill();
  await page.click('#update');
  if (!v.armBeforeClick) {
    await page.waitForFunction(
      () => {
        const p = document.getElementById('progress');
        return p.max > 1 && p.value / p.max > 0.25;
      },
      { timeout: 120000, polling: 50 },
    );
    await v.kill();
  }
  end = await waitEnd(page, 60000);
  check(
    end.error && /went away/.test(end.error),
    'killed mid-download: the page says the device went away',
    JSON.stringify(end),
  );
  check(
    end.error && new RegExp(`keeps running version ${v.next}`).test(end.error),
    'and that the device keeps running the old version',
    end.error,
  );
  check(/plug it back in and run the update again/.test(end.error || ''), 'and what to do');
}

// The page against the virtual device through usb_shim.js (see the top).
async function withFakeUsb(page, o) {
  const { FakeUsb } = await import('../fake_usb.mjs');
  const usb = new FakeUsb({
    bridge: o.bridge,
    path: join(o.files, 'disk.img'),
    options: 'size=1M&fw-reboot=disconnect',
  });
  const ids = new Map();
  const idOf = (d) => {
    if (!ids.has(d)) ids.set(d, ids.size + 1);
    return ids.get(d);
  };
  const byId = (id) => [...ids.entries()].find(([, i]) => i === id)[0];
  const info = (d) =>
    JSON.parse(
      JSON.stringify({
        id: idOf(d),
        vendorId: d.vendorId,
        productId: d.productId,
        serialNumber: d.serialNumber,
        productName: d.productName,
        manufacturerName: d.manufacturerName,
        configuration: d.configuration,
        configurations: [d.configuration],
      }),
    );
  const b64 = (view) =>
    Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
  await page.exposeFunction('__usbCall', async (id, method, args) => {
    try {
      if (method === 'getDevices') return (await usb.getDevices()).map(info);
      const d = byId(id);
      switch (method) {
        case 'transferOut': {
          const r = await d.transferOut(args[0], Buffer.from(args[1], 'base64'));
          return { status: r.status, bytesWritten: r.bytesWritten };
        }
        case 'transferIn': {
          const r = await d.transferIn(args[0], args[1]);
          return { status: r.status, data: b64(r.data) };
        }
        case 'controlTransferIn': {
          const r = await d.controlTransferIn(args[0], args[1]);
          return { status: r.status, data: b64(r.data) };
        }
        case 'controlTransferOut': {
          const r = await d.controlTransferOut(
            args[0],
            args[1] ? Buffer.from(args[1], 'base64') : null,
          );
          return { status: r.status, bytesWritten: r.bytesWritten };
        }
        default:
          await d[method](...args);
          return {};
      }
    } catch (e) {
      return { error: { name: e.name, message: e.message } };
    }
  });
  const forward = (e) =>
    page.evaluate((t, i) => window.__usbEvent(t, i), e.type, info(e.device)).catch(() => {});
  usb.addEventListener('connect', forward);
  usb.addEventListener('disconnect', forward);
  await page.evaluateOnNewDocument(readFileSync(join(HERE, 'usb_shim.js'), 'utf8'));
  await usb.plug();
  return usb;
}

async function pageMode(page, o, usb) {
  let armed = false;
  let start = null;
  usb.outHook = (dev, bytes) => {
    if (!armed || bytes.length === 31) return;
    if (start === null) start = dev.outBytes - bytes.length;
    if (dev.outBytes - start > 800 * 1024) {
      armed = false;
      dev.bridge.proc.kill('SIGKILL'); // pulled before this chunk lands
    }
  };
  await device(page, o, {
    before: '0100',
    next: '0200',
    armBeforeClick: true,
    kill: () => {
      armed = true;
    },
  });
  await page.waitForFunction(() => !window.usbmscPage.busy, { timeout: 20000 });
  await usb.plug();
  const back = await page
    .waitForFunction(
      () =>
        /^0200 \(number 2\)/.test(document.getElementById('device-version').textContent) &&
        document.getElementById('error').hidden,
      { timeout: 20000 },
    )
    .then(
      () => true,
      () => false,
    );
  check(back, 'plugged back in, the page connects again by itself: 0200 runs');
}

async function main() {
  const o = args(process.argv.slice(2));
  if (!o.modules || !o.files || !['selftest', 'page', 'device'].includes(o.mode)) {
    console.error(
      'usage: drive.mjs selftest|page|device --modules DIR --files DIR [--chromium PATH] [--port N] [--kill-cmd CMD] [--bridge PATH]',
    );
    process.exit(2);
  }
  const server = await serve(o.web || WEB, { port: Number(o.port), files: o.files });
  const browser = await launch(o);
  let usb = null;
  try {
    const page = await browser.newPage();
    if (o.mode === 'page') usb = await withFakeUsb(page, o);
    page.on('console', (m) => console.log(`# page: ${m.text()}`));
    page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    try {
      if (o.mode === 'selftest') await selftest(page, server);
      else if (o.mode === 'page') await pageMode(page, o, usb);
      else await device(page, o);
    } catch (e) {
      check(false, 'the run ends', String(e.message || e).split('\n')[0]);
      console.log(`# status: ${await text(page, '#status').catch(() => '?')}`);
    }
    if (failed) {
      const log = await page.$eval('#log', (e) => e.innerText).catch(() => '');
      log
        .split('\n')
        .filter(Boolean)
        .forEach((l) => console.log(`#   ${l}`));
    }
  } finally {
    await browser.close();
    await server.close();
    if (usb) await usb.shutdown();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`not ok - ${e.stack || e}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
