/**
 * SHA-256 in JavaScript for the short messages of a block's hot path: address checksums (21
 * bytes), the second round of a txid (32 bytes) and merkle nodes (64 bytes). Node's native
 * hash costs about 0.7 µs a call in overhead and allocates a Buffer; at thousands of calls per
 * block that dominates, while one compression here takes about 0.25 µs and allocates nothing.
 * Long messages (whole transactions) still go to node:crypto.
 *
 * Not reentrant (module-level state), which is fine in single-threaded JS: no function here
 * awaits or calls back.
 */

// Int32Array, not Uint32Array: reads stay small integers in V8 instead of boxed doubles.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Int32Array(64);
/** The running state; the digest after the last block. */
const H = new Int32Array(8);

function reset(): void {
  H[0] = 0x6a09e667 | 0;
  H[1] = 0xbb67ae85 | 0;
  H[2] = 0x3c6ef372 | 0;
  H[3] = 0xa54ff53a | 0;
  H[4] = 0x510e527f | 0;
  H[5] = 0x9b05688c | 0;
  H[6] = 0x1f83d9ab | 0;
  H[7] = 0x5be0cd19 | 0;
}

/** One 64-byte block, laid out as W[0..16) (big-endian words), into H. */
function compress(): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] as number;
    const w2 = W[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = H[0] as number;
  let b = H[1] as number;
  let c = H[2] as number;
  let d = H[3] as number;
  let e = H[4] as number;
  let f = H[5] as number;
  let g = H[6] as number;
  let h = H[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + (g ^ (e & (f ^ g))) + (K[i] as number) + (W[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) | (c & (a | b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = ((H[0] as number) + a) | 0;
  H[1] = ((H[1] as number) + b) | 0;
  H[2] = ((H[2] as number) + c) | 0;
  H[3] = ((H[3] as number) + d) | 0;
  H[4] = ((H[4] as number) + e) | 0;
  H[5] = ((H[5] as number) + f) | 0;
  H[6] = ((H[6] as number) + g) | 0;
  H[7] = ((H[7] as number) + h) | 0;
}

/** W[k..k+n) ← n big-endian words read from src at `at`. */
function loadWords(src: Uint8Array, at: number, k: number, n: number): void {
  for (let i = 0; i < n; i++, at += 4) {
    W[k + i] = ((src[at] as number) << 24) | ((src[at + 1] as number) << 16) | ((src[at + 2] as number) << 8) | (src[at + 3] as number);
  }
}

/** Second round of a double SHA-256: H ← SHA-256(H), 32 bytes, one block. */
function rehash(): void {
  for (let i = 0; i < 8; i++) W[i] = H[i] as number;
  W[8] = 0x80000000 | 0;
  W.fill(0, 9, 15);
  W[15] = 256;
  reset();
  compress();
}

function storeDigest(dst: Uint8Array, at: number): void {
  for (let i = 0; i < 8; i++, at += 4) {
    const v = H[i] as number;
    dst[at] = v >>> 24;
    dst[at + 1] = (v >>> 16) & 0xff;
    dst[at + 2] = (v >>> 8) & 0xff;
    dst[at + 3] = v & 0xff;
  }
}

/** The first 4 bytes of SHA-256(SHA-256(bytes[0..len))), len ≤ 55, as a big-endian int32. */
export function checksum4(bytes: Uint8Array, len: number): number {
  W.fill(0, 0, 16);
  for (let i = 0; i < len; i++) W[i >> 2] = (W[i >> 2] as number) | ((bytes[i] as number) << (24 - 8 * (i & 3)));
  W[len >> 2] = (W[len >> 2] as number) | (0x80 << (24 - 8 * (len & 3)));
  W[15] = len * 8;
  reset();
  compress();
  rehash();
  return H[0] as number;
}

/** dst[dstAt..+32) ← SHA-256(src[at..at+32)): the second round of a txid whose first ran natively. */
export function sha256Of32(src: Uint8Array, at: number, dst: Uint8Array, dstAt: number): void {
  loadWords(src, at, 0, 8);
  W[8] = 0x80000000 | 0;
  W.fill(0, 9, 15);
  W[15] = 256;
  reset();
  compress();
  storeDigest(dst, dstAt);
}

/** dst[dstAt..+32) ← SHA-256(SHA-256(src[at..at+64))): one merkle node from two children. */
export function sha256dOf64(src: Uint8Array, at: number, dst: Uint8Array, dstAt: number): void {
  reset();
  loadWords(src, at, 0, 16);
  compress();
  W[0] = 0x80000000 | 0;
  W.fill(0, 1, 15);
  W[15] = 512;
  compress();
  rehash();
  storeDigest(dst, dstAt);
}
