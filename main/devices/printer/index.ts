// The printer device layer: what the rest of main/ uses.
//
//   const doc = acceptanceReceipt({...});                       // templates.ts (pure)
//   const job = encodeDocument(doc, profile);                   // → ESC/POS bytes (+ raster lines)
//   const svg = previewSvg(doc, profile);                       // what the clerk sees before printing
//   const driver = new PrinterDriver({ profile, open: () => openTcpTransport({ host }) });
//   const result = await driver.print(job.bytes);               // printed | refused (not sent) | failed
export { acceptanceReceipt, formatHallDate, formatHallTime, oneTimeNotice, refusalNotice, walkInTicket } from './templates.ts';
export type { AcceptanceReceiptInput, OneTimeNoticeInput, RefusalNoticeInput, WalkInTicketInput } from './templates.ts';
export { plainText, toReceiptLine } from './document.ts';
export type { Block, DocumentKind, PrintDocument } from './document.ts';
export { encodeDocument, previewSvg } from './encode.ts';
export type { EncodedJob, EncodeOptions } from './encode.ts';
export { canPrintCodePoint, columnsOf, DEFAULT_PROFILE, dotsOf, unprintableCharacters } from './profile.ts';
export type { PaperWidth, PrinterProfile } from './profile.ts';
export { createTextRasteriser, defaultTextRasteriser } from './fonts.ts';
export { PrinterDriver, queryStatus } from './driver.ts';
export type { PrintResult, PrinterDriverOptions } from './driver.ts';
export { refusalReason, statusMessages, STATUS_MESSAGES } from './status.ts';
export type { PrinterStatus } from './status.ts';
export { openTcpTransport, TransportError } from './transport.ts';
export type { PrinterTransport, TcpOptions } from './transport.ts';
export { openSerialTransport, wireTimeMs } from './serial-transport.ts';
export type { FlowControl, SerialOptions } from './serial-transport.ts';
export { openUsbLpTransport } from './usb-lp-transport.ts';
export type { UsbLpOptions } from './usb-lp-transport.ts';
