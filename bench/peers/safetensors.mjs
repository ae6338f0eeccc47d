// Reads a .safetensors model file for the peer benchmark: the metadata (with "config" parsed) and
// every tensor as a Float32Array (F32 or F16 on disk). Bench-only: the package validates model
// files in C++; this trusts the shipped files it is given.
import { readFileSync } from 'node:fs';

function f16ToF32(bits) {
  const sign = bits & 0x8000 ? -1 : 1, exponent = (bits >> 10) & 0x1f, fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export function readSafetensors(path) {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const data = bytes.subarray(8 + headerLength);
  const tensors = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry;
    const raw = data.subarray(begin, end);
    const values = new Float32Array((end - begin) / (dtype === 'F16' ? 2 : 4));
    for (let i = 0; i < values.length; ++i)
      values[i] = dtype === 'F16' ? f16ToF32(raw.readUInt16LE(2 * i)) : raw.readFloatLE(4 * i);
    tensors[name] = { shape, values };
  }
  const metadata = header.__metadata__;
  return { architecture: metadata.architecture, config: JSON.parse(metadata.config), tensors };
}
