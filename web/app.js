// The page: what the person sees and clicks. The protocol is usbmsc.js.
import * as usbmsc from './usbmsc.js';

const $ = (id) => document.getElementById(id);
const usb = navigator.usb;

const page = {
  link: null, // the open vendor interface
  dev: null, // what probe() said
  image: null, // the chosen file's bytes
  busy: false, // an update runs
};

function show(id, on = true) {
  $(id).hidden = !on;
}

function log(text) {
  const li = document.createElement('li');
  li.textContent = text;
  $('log').append(li);
}

function status(text) {
  $('status').textContent = text;
}

// What went wrong, in words a person can act on.
function explain(e) {
  const err = usbmsc.classify(e);
  switch (err.kind) {
    case 'busy':
      return `${err.message}. Close the other program (a firmware tool, another browser tab) and connect again.`;
    case 'denied':
      return `${err.message}. On Linux the device needs a udev rule that lets you open it (see the product's instructions).`;
    case 'gone':
      return `The device went away: ${err.message}`;
    case 'image':
      return `This file cannot go to this device: ${err.message}`;
    case 'refused':
      return `The device said no: ${err.message}`;
    case 'timeout':
      return `The device stopped answering: ${err.message}. Unplug it, plug it back in and connect again.`;
    default:
      return err.message;
  }
}

function fail(e) {
  $('error').textContent = explain(e);
  show('error');
  log(`error: ${usbmsc.classify(e).message}`);
}

const slotName = (n) => (n === usbmsc.NO_SLOT ? 'none' : n === 0 ? 'A' : 'B');

function showDevice(dev) {
  const s = dev.state;
  $('device-name').textContent =
    `${dev.inquiry.vendor} ${dev.inquiry.product}` +
    (s
      ? ` (USB ${s.vid.toString(16).padStart(4, '0')}:${s.pid.toString(16).padStart(4, '0')}, hardware revision ${s.hwRev})`
      : '');
  $('device-serial').textContent = dev.serial || 'none';
  $('device-version').textContent = s
    ? `${s.activeVersion} (number ${s.activeNumber})`
    : dev.inquiry.revision;
  if (s) {
    const flags = [];
    if (s.flags & usbmsc.FWST_TRIAL) flags.push('on trial, not confirmed');
    if (s.flags & usbmsc.FWST_REVERTED) flags.push('the last update was rolled back');
    const pending =
      s.pendingSlot === usbmsc.NO_SLOT
        ? 'nothing waiting'
        : `version ${s.pendingVersion} (number ${s.pendingNumber}) waits in slot ${slotName(s.pendingSlot)}` +
          (s.flags & usbmsc.FWST_PENDING ? '' : ' for the reboot');
    $('device-slots').textContent =
      `runs slot ${slotName(s.activeSlot)}; ${pending}${flags.length ? `; ${flags.join(', ')}` : ''}`;
    $('device-floor').textContent = String(s.floor);
    $('device-capacity').textContent = `${s.capacity} bytes`;
    const last = usbmsc.lastErrorSense(s);
    $('device-error').textContent = last ? usbmsc.senseText(last) : 'none';
  } else {
    $('device-slots').textContent = 'the device does not report its firmware state (FW STATE)';
  }
  show('device');
  show('image-box');
}

async function refresh() {
  page.dev = await usbmsc.probe(page.link);
  showDevice(page.dev);
  await checkChosen();
}

async function connectTo(device) {
  show('error', false);
  if (page.link) await page.link.close();
  page.link = null;
  try {
    page.link = await usbmsc.Link.open(device);
    log(
      `connected to ${device.productName || 'the device'} (${device.serialNumber || 'no serial number'})`,
    );
    await refresh();
  } catch (e) {
    page.link = null;
    fail(e);
  }
}

async function chooseDevice() {
  try {
    const device = await usb.requestDevice({ filters: usbmsc.USB_FILTERS });
    await connectTo(device);
  } catch (e) {
    if (e && e.name === 'NotFoundError') $('connect-note').textContent = 'No device chosen.';
    else fail(e);
  }
}

function describeImage(h) {
  const any = (v, what) => (v ? `${what} ${v}` : null);
  const parts = [
    h.vid || h.pid
      ? `USB ${h.vid.toString(16).padStart(4, '0')}:${h.pid.toString(16).padStart(4, '0')}`
      : null,
    any(h.vendor, 'vendor'),
    any(h.product, 'product'),
    h.hwRevMin === 0 && h.hwRevMax === 0xffff
      ? null
      : `hardware revisions ${h.hwRevMin} to ${h.hwRevMax}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'any device';
}

// The chosen file against the connected device, before any button.
async function checkChosen() {
  $('update').disabled = true;
  if (!page.image || !page.dev) return;
  const p = usbmsc.parseHeader(page.image);
  show('image');
  $('image-size').textContent = `${page.image.length} bytes`;
  $('image-check').textContent = 'checking…';
  if (p.check !== 'OK') {
    $('image-version').textContent = '?';
    $('image-fits').textContent = '?';
    $('image-check').textContent = `not a usable image: ${usbmsc.CHECK_TEXT[p.check]}`;
    return;
  }
  $('image-version').textContent = `${p.header.version} (number ${p.header.versionNumber})`;
  $('image-fits').textContent = describeImage(p.header);
  try {
    const notes = [];
    const r = await usbmsc.checkImage(page.image, page.dev, { onEvent: (e) => notes.push(e.text) });
    $('image-check').textContent =
      `good${notes.length ? `: ${notes.join('; ')}` : ''}` +
      (r.todo === 'confirm' ? ' (it already runs on trial: the update confirms it)' : '') +
      (r.todo === 'activate' ? ' (it already waits on the device: the update activates it)' : '');
    $('update').disabled = page.busy;
  } catch (e) {
    $('image-check').textContent = usbmsc.classify(e).message;
  }
}

async function runUpdate() {
  if (!page.link || !page.image) return;
  page.busy = true;
  $('update').disabled = true;
  show('error', false);
  show('result', false);
  const bar = $('progress');
  bar.value = 0;
  show('progress');
  const link = page.link;
  const started = Date.now();
  try {
    const r = await usbmsc.update(link, page.image, {
      reconnect: (before, ms) =>
        usbmsc.waitForReturn(usb, link.device, ms, {
          vendorId: link.device.vendorId,
          productId: link.device.productId,
          serialNumber: link.device.serialNumber,
        }),
      onEvent: (e) => {
        if (e.event === 'progress') {
          bar.max = e.total;
          bar.value = e.bytes;
          status(
            `Sending ${Math.floor((100 * e.bytes) / e.total)} % (${e.bytes} of ${e.total} bytes)`,
          );
        } else if (e.text) {
          status(e.text);
          log(e.text);
        }
      },
    });
    page.link = r.link;
    page.dev = r.after;
    showDevice(r.after);
    $('result').textContent =
      `Updated: the device now runs version ${r.after.state.activeVersion} ` +
      `(it ran ${r.before.state.activeVersion}), confirmed, in ${((Date.now() - started) / 1000).toFixed(1)} s.`;
    show('result');
    status('Done.');
  } catch (e) {
    if (e.link) page.link = e.link;
    status('Stopped.');
    fail(e);
    if (usbmsc.classify(e).kind === 'gone') page.link = null;
    else if (page.link) await refresh().catch(() => {});
  } finally {
    page.busy = false;
    await checkChosen().catch(() => {});
  }
}

async function chooseFile() {
  const f = $('file').files[0];
  show('error', false);
  show('result', false);
  page.image = f ? new Uint8Array(await f.arrayBuffer()) : null;
  await checkChosen();
}

function main() {
  if (!usb) {
    show('nousb');
    show('connect-box', false);
    return;
  }
  $('connect').addEventListener('click', chooseDevice);
  $('file').addEventListener('change', () => chooseFile().catch(fail));
  $('update').addEventListener('click', runUpdate);
  usb.addEventListener('disconnect', (e) => {
    if (!page.link || e.device !== page.link.device || page.busy) return;
    page.link = null;
    $('update').disabled = true;
    fail(new usbmsc.UsbmscError('gone', 'the device was unplugged'));
  });
  usb.addEventListener('connect', (e) => {
    if (!page.link && !page.busy && usbmsc.hasVendorInterface(e.device)) connectTo(e.device);
  });
  // A device this page may already use (granted before, or by policy).
  usb.getDevices().then((list) => {
    const d = list.find(usbmsc.hasVendorInterface);
    if (d && !page.link) connectTo(d);
  });
}

main();
window.usbmscPage = page; // for scripted tests
