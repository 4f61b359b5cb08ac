/**
 * Test contracts written directly in EVM bytecode (no solc here), installed with
 * anvil_setCode (runtime code only; no constructors). `asm` is a tiny assembler: opcodes by
 * name, `push(n)` for literals, and labels so jump targets need no hand counting.
 */
import { TRANSFER_TOPIC } from '../../../src/chains/evm/extract-transfers.js';

const OPS: Record<string, number> = {
  STOP: 0x00, ADD: 0x01, SUB: 0x03, LT: 0x10, EQ: 0x14, SHR: 0x1c,
  CALLER: 0x33, CALLVALUE: 0x34, CALLDATALOAD: 0x35, CALLDATASIZE: 0x36, CALLDATACOPY: 0x37,
  POP: 0x50, MSTORE: 0x52, SLOAD: 0x54, SSTORE: 0x55, JUMPI: 0x57, GAS: 0x5a, JUMPDEST: 0x5b,
  DUP1: 0x80, DUP2: 0x81, DUP3: 0x82, SWAP1: 0x90,
  LOG3: 0xa3, LOG4: 0xa4, CALL: 0xf1, REVERT: 0xfd,
};

type Item = string | { readonly push: string } | { readonly label: string } | { readonly to: string };

/** PUSHn of a hex literal (1..32 bytes). */
export const push = (hex: string): Item => ({ push: hex.replace(/^0x/, '') });
/** Marks a JUMPDEST position. */
export const label = (name: string): Item => ({ label: name });
/** PUSH1 of a label's offset (code under 256 bytes). */
export const to = (name: string): Item => ({ to: name });

export function asm(items: readonly Item[]): string {
  const labels = new Map<string, number>();
  let pc = 0;
  for (const it of items) {
    if (typeof it === 'string') pc += 1;
    else if ('push' in it) pc += 1 + it.push.length / 2;
    else if ('label' in it) labels.set(it.label, pc++);
    else pc += 2;
  }
  let out = '';
  const byte = (n: number): string => n.toString(16).padStart(2, '0');
  for (const it of items) {
    if (typeof it === 'string') {
      const op = OPS[it];
      if (op === undefined) throw new Error(`unknown opcode ${it}`);
      out += byte(op);
    } else if ('push' in it) {
      const n = it.push.length / 2;
      if (n < 1 || n > 32 || !Number.isInteger(n)) throw new Error(`bad push ${it.push}`);
      out += byte(0x5f + n) + it.push;
    } else if ('label' in it) out += byte(OPS['JUMPDEST'] as number);
    else {
      const at = labels.get(it.to);
      if (at === undefined || at > 255) throw new Error(`bad label ${it.to}`);
      out += byte(0x60) + byte(at);
    }
  }
  return `0x${out}`;
}

/**
 * A minimal ERC-20 with the USDT-style odd return: `transfer(address,uint256)` returns
 * nothing. Balances live at storage slot = holder address (mint with anvil_setStorageAt).
 * transfer: if balance[caller] < amount → REVERT (no log); else move the amount and emit
 * Transfer(caller, to, amount). Any other selector reverts.
 */
export const TOKEN_CODE = asm([
  push('00'), 'CALLDATALOAD', push('e0'), 'SHR', // selector
  push('a9059cbb'), 'EQ', to('transfer'), 'JUMPI',
  push('00'), 'DUP1', 'REVERT',
  label('transfer'),
  'CALLER', 'SLOAD', // [bal_from]
  push('24'), 'CALLDATALOAD', // [bal_from, amount]
  'DUP1', 'DUP3', 'LT', to('fail'), 'JUMPI', // bal_from < amount → fail
  'DUP1', 'DUP3', 'SUB', 'CALLER', 'SSTORE', // balance[caller] = bal_from - amount
  push('04'), 'CALLDATALOAD', 'DUP1', 'SLOAD', 'DUP3', 'ADD', 'SWAP1', 'SSTORE', // balance[to] += amount
  push('00'), 'MSTORE', // memory[0..32] = amount
  push('04'), 'CALLDATALOAD', 'CALLER', push(TRANSFER_TOPIC), push('20'), push('00'),
  'LOG3', // Transfer(caller, to, amount)
  'STOP',
  label('fail'),
  push('00'), 'DUP1', 'REVERT',
]);

/**
 * An NFT-style emitter: logs the 4-topic ERC-721 Transfer(from, to, tokenId) with empty data,
 * taking from / to / tokenId from calldata words 0, 1, 2. Must be ignored by extraction.
 */
export const NFT_EMITTER_CODE = asm([
  push('40'), 'CALLDATALOAD', push('20'), 'CALLDATALOAD', push('00'), 'CALLDATALOAD',
  push(TRANSFER_TOPIC), push('00'), push('00'),
  'LOG4', 'STOP',
]);

/**
 * Forwarder: calls the address in calldata word 0 with all of msg.value and the rest of the
 * calldata (so forwarders chain: F1 → F2 → recipient), all gas. Strict: reverts if the inner
 * call fails. Lenient: ignores a failed inner call (the failed frame moved nothing).
 */
function forwarder(strict: boolean): string {
  return asm([
    push('20'), 'CALLDATASIZE', 'SUB', // [size = calldatasize - 32]
    'DUP1', push('20'), push('00'), 'CALLDATACOPY', // memory[0..size] = calldata[32..]
    push('00'), push('00'), 'DUP3', push('00'), 'CALLVALUE', push('00'), 'CALLDATALOAD', 'GAS',
    'CALL', // CALL(gas, target, value, 0, size, 0, 0) → [size, ok]
    ...(strict ? [to('ok'), 'JUMPI', push('00'), 'DUP1', 'REVERT', label('ok'), 'STOP'] : ['POP', 'STOP']),
  ]);
}
export const FORWARDER_CODE = forwarder(true);
export const LENIENT_FORWARDER_CODE = forwarder(false);

/** Always reverts, whatever it is sent. */
export const REVERTER_CODE = asm([push('00'), 'DUP1', 'REVERT']);

/** ABI words. */
export const word = (hexOrBig: string | bigint): string =>
  (typeof hexOrBig === 'bigint' ? hexOrBig.toString(16) : hexOrBig.replace(/^0x/, '')).padStart(64, '0');

export const transferCalldata = (recipient: string, amount: bigint): string => `0xa9059cbb${word(recipient)}${word(amount)}`;

/** Calldata for a chain of forwarders ending at `recipient`: [f2, f3, …, recipient]. */
export const forwardCalldata = (...hops: string[]): string => `0x${hops.map((h) => word(h)).join('')}`;
