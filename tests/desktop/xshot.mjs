// A screenshot from the X server itself: what Xvfb shows in a rectangle, as PNG. The tests'
// screenshots come from here rather than from WebKit's snapshot, which under software
// compositing never returns for some pages. A minimal X11 client (connection set-up and one
// GetImage on the root window) over the display's local socket; Xvfb started by the tests
// takes local connections without authorization.
import { connect } from "node:net";
import { deflateSync } from "node:zlib";

/** Reads until `want(buffer)` says how long the message is and that much has arrived. */
function readMessage(socket, want) {
  return new Promise((resolve, reject) => {
    // Chunks kept as they come and joined once: a screenshot is megabytes in 64 KiB pieces.
    const parts = [];
    let received = 0;
    let length = null;
    const done = () => {
      socket.off("data", onData);
      socket.off("error", reject);
      socket.off("close", onClose);
    };
    const onData = (chunk) => {
      parts.push(chunk);
      received += chunk.length;
      if (length === null) length = want(Buffer.concat(parts));
      if (length !== null && received >= length) {
        done();
        resolve(Buffer.concat(parts, received));
      }
    };
    const onClose = () => {
      done();
      reject(new Error(`the X server closed the connection after ${received} bytes`));
    };
    socket.on("data", onData);
    socket.on("error", reject);
    socket.on("close", onClose);
  });
}

/** The root window and the screen's size, from the server's set-up reply. */
function rootOf(setup) {
  if (setup[0] !== 1) throw new Error(`the X server refused the connection: ${setup.subarray(8).toString()}`);
  const vendorLength = setup.readUInt16LE(24);
  const formats = setup[29];
  const screen = 8 + 32 + Math.ceil(vendorLength / 4) * 4 + formats * 8;
  return {
    root: setup.readUInt32LE(screen),
    width: setup.readUInt16LE(screen + 20),
    height: setup.readUInt16LE(screen + 22),
  };
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, body) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** PNG of `width` × `height` pixels given as 32-bit BGRX (depth 24, least significant first). */
function png(pixels, width, height) {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 4;
      const to = row + 1 + x * 3;
      rows[to] = pixels[from + 2];
      rows[to + 1] = pixels[from + 1];
      rows[to + 2] = pixels[from];
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits a channel, RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** PNG of the rectangle `{ x, y, width, height }` (default: the whole screen) of `display`. */
export async function grabPng(display, rect) {
  const number = display.replace(/^:/, "").split(".")[0];
  const socket = connect(`/tmp/.X11-unix/X${number}`);
  try {
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const hello = Buffer.alloc(12);
    hello.write("l", 0, "ascii"); // little-endian
    hello.writeUInt16LE(11, 2);
    socket.write(hello);
    const setup = await readMessage(socket, (d) => (d.length >= 8 ? 8 + d.readUInt16LE(6) * 4 : null));
    const screen = rootOf(setup);
    const x = Math.max(0, rect?.x ?? 0);
    const y = Math.max(0, rect?.y ?? 0);
    const width = Math.min(rect?.width ?? screen.width, screen.width - x);
    const height = Math.min(rect?.height ?? screen.height, screen.height - y);
    const request = Buffer.alloc(20);
    request[0] = 73; // GetImage
    request[1] = 2; // ZPixmap
    request.writeUInt16LE(5, 2);
    request.writeUInt32LE(screen.root, 4);
    request.writeInt16LE(x, 8);
    request.writeInt16LE(y, 10);
    request.writeUInt16LE(width, 12);
    request.writeUInt16LE(height, 14);
    request.writeUInt32LE(0xffffffff, 16);
    socket.write(request);
    // An error is 32 bytes; a reply says how much follows its 32.
    const length = (d) => (d.length < 32 ? null : d[0] === 0 ? 32 : 32 + d.readUInt32LE(4) * 4);
    const reply = await readMessage(socket, length);
    if (reply[0] !== 1) throw new Error(`GetImage failed (X error ${reply[1]})`);
    return png(reply.subarray(32), width, height);
  } finally {
    socket.destroy();
  }
}
