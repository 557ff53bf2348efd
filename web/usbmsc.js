// The page's protocol code, in one import for the page and the tests:
// link.js (the vendor interface over WebUSB), scsi.js (the commands),
// fwimage.js (the image file's checks), fwupdate.js (the update's steps).
export * from './link.js';
export * from './scsi.js';
export * from './fwimage.js';
export * from './fwupdate.js';
