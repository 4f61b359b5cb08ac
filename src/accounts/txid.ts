import type { AddressFamily } from '../domain/address-family.js';

/** A transaction id the exchange registered that cannot be a transaction id of its chain. */
export class InvalidTxidError extends Error {
  override readonly name = 'InvalidTxidError';
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    const shown = input.length > 80 ? `${input.slice(0, 77)}...` : input;
    super(`invalid txid "${shown}": ${reason}`);
  }
}

const EVM_TXID = /^0x[0-9a-f]{64}$/;
const HEX_TXID = /^[0-9a-f]{64}$/;

/**
 * A transaction id as the chain code spells it, so a registration finds its transfer:
 * lower-case `0x` + 64 hex on EVM chains, lower-case 64 hex elsewhere (Bitcoin-style txids and
 * Tron; a leading `0x` is dropped there). Throws `InvalidTxidError`.
 */
export function normaliseTxid(raw: string, family: AddressFamily): string {
  const s = raw.trim().toLowerCase();
  if (s === '') throw new InvalidTxidError(raw, 'empty');
  if (family === 'evm') {
    if (!EVM_TXID.test(s)) throw new InvalidTxidError(raw, 'expected 0x followed by 64 hex digits');
    return s;
  }
  const bare = s.startsWith('0x') ? s.slice(2) : s;
  if (!HEX_TXID.test(bare)) throw new InvalidTxidError(raw, 'expected 64 hex digits');
  return bare;
}
