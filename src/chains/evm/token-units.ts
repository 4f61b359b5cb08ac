/**
 * What an ERC-20 contract says of its own units: `symbol()` and `decimals()` by eth_call. Asked
 * once per configured token that the configuration does not describe, so that amounts read in
 * the token's units (`1285 USDT`) without the exchange typing them in.
 *
 * `symbol()` is an ABI string in most tokens and a bytes32 in some old ones (MKR, SAI): both are
 * read. A contract that answers neither sensibly has no units (null): amounts stay in base units.
 */
import type { AssetUnits } from '../../domain/amount.js';
import type { Endpoint } from '../rpc/endpoint-pool.js';

const DECIMALS = '0x313ce567';
const SYMBOL = '0x95d89b41';

export async function fetchTokenUnits(ep: Endpoint, contract: string): Promise<AssetUnits | null> {
  const [decimals, symbol] = await ep.call([
    { method: 'eth_call', params: [{ to: contract, data: DECIMALS }, 'latest'] },
    { method: 'eth_call', params: [{ to: contract, data: SYMBOL }, 'latest'] },
  ]);
  const d = decimals?.ok ? readDecimals(decimals.result) : null;
  const s = symbol?.ok ? readSymbol(symbol.result) : null;
  return d === null || s === null ? null : { symbol: s, decimals: d };
}

/** A uint8 (padded to 32 bytes) from 0 to 255. */
export function readDecimals(result: unknown): number | null {
  if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(result)) return null;
  const n = BigInt(result);
  return n <= 255n ? Number(n) : null;
}

/** An ABI-encoded string, or a NUL-padded bytes32; printable, 1-16 characters once trimmed. */
export function readSymbol(result: unknown): string | null {
  if (typeof result !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(result)) return null;
  const bytes = Buffer.from(result.slice(2), 'hex');
  let text: string;
  if (bytes.length === 32) {
    text = bytes.toString('latin1').replace(/\0+$/, '');
  } else if (bytes.length >= 64) {
    const offset = Number(BigInt(`0x${bytes.subarray(0, 32).toString('hex')}`));
    if (offset + 32 > bytes.length) return null;
    const length = Number(BigInt(`0x${bytes.subarray(offset, offset + 32).toString('hex')}`));
    if (offset + 32 + length > bytes.length) return null;
    text = bytes.subarray(offset + 32, offset + 32 + length).toString('utf8');
  } else {
    return null;
  }
  return /^[A-Za-z0-9.$_+-]{1,16}$/.test(text) ? text : null;
}
