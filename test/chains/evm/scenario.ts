/**
 * A block on anvil with one of everything extraction must handle, and the transfers it must
 * yield. Contracts come from contracts.ts (hand-written bytecode).
 */
import { parseEther } from 'ethers';

import type { TransferScope } from '../../../src/chains/chain-source.js';
import type { Transfer } from '../../../src/domain/transfer.js';
import { normaliseForFamily } from '../../../src/domain/address.js';
import { HexAddressSet } from '../../../src/domain/hex-address-set.js';

import type { Anvil } from '../../helpers/anvil.js';
import { DEV_ACCOUNTS } from '../../helpers/anvil.js';
import {
  FORWARDER_CODE,
  forwardCalldata,
  LENIENT_FORWARDER_CODE,
  NFT_EMITTER_CODE,
  REVERTER_CODE,
  TOKEN_CODE,
  transferCalldata,
  word,
} from './contracts.js';

export const [ALICE, BOB, CAROL, DAVE, ERIN] = DEV_ACCOUNTS as unknown as [string, string, string, string, string];
export const TOKEN = '0x00000000000000000000000000000000000070c0';
export const NFT = '0x00000000000000000000000000000000000000f7';
export const FORWARDER_1 = '0x00000000000000000000000000000000000000f1';
export const FORWARDER_2 = '0x00000000000000000000000000000000000000f2';
export const LENIENT = '0x00000000000000000000000000000000000000f3';
export const REVERTER = '0x00000000000000000000000000000000000000ee';

const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** Installs the contracts and gives ALICE 1,000,000 token units. */
export async function installContracts(node: Anvil): Promise<void> {
  await node.rpc('anvil_setCode', [TOKEN, TOKEN_CODE]);
  await node.rpc('anvil_setCode', [NFT, NFT_EMITTER_CODE]);
  await node.rpc('anvil_setCode', [FORWARDER_1, FORWARDER_CODE]);
  await node.rpc('anvil_setCode', [FORWARDER_2, FORWARDER_CODE]);
  await node.rpc('anvil_setCode', [LENIENT, LENIENT_FORWARDER_CODE]);
  await node.rpc('anvil_setCode', [REVERTER, REVERTER_CODE]);
  await node.rpc('anvil_setStorageAt', [TOKEN, `0x${word(ALICE)}`, `0x${word(1_000_000n)}`]);
  await node.rpc('evm_mine', []);
}

export interface ScenarioTxs {
  readonly native: string;
  readonly token: string;
  readonly tokenReverted: string;
  readonly nft: string;
  readonly forwarded: string;
  readonly lenient: string;
  readonly forwardReverted: string;
  readonly empty: string;
}

/** Sends a transaction (gas given: reverting ones cannot be estimated). */
export async function send(node: Anvil, tx: { from: string; to: string; value?: bigint; data?: string }): Promise<string> {
  return node.rpc<string>('eth_sendTransaction', [
    { from: tx.from, to: tx.to, value: hex(tx.value ?? 0n), data: tx.data ?? '0x', gas: hex(300_000n) },
  ]);
}

/** All scenario transactions in one block (anvil started with automine off). Returns their hashes and the block number. */
export async function mineScenarioBlock(node: Anvil): Promise<{ txs: ScenarioTxs; number: bigint }> {
  const txs: ScenarioTxs = {
    native: await send(node, { from: ALICE, to: BOB, value: parseEther('1.5') }),
    token: await send(node, { from: ALICE, to: TOKEN, data: transferCalldata(CAROL, 1000n) }),
    tokenReverted: await send(node, { from: DAVE, to: TOKEN, data: transferCalldata(CAROL, 5n) }),
    nft: await send(node, { from: BOB, to: NFT, data: `0x${word(BOB)}${word(CAROL)}${word(7n)}` }),
    forwarded: await send(node, { from: CAROL, to: FORWARDER_1, value: parseEther('1'), data: forwardCalldata(FORWARDER_2, ERIN) }),
    lenient: await send(node, { from: ERIN, to: LENIENT, value: parseEther('0.5'), data: forwardCalldata(REVERTER) }),
    forwardReverted: await send(node, { from: DAVE, to: FORWARDER_1, value: parseEther('0.25'), data: forwardCalldata(REVERTER) }),
    empty: await send(node, { from: BOB, to: DAVE }),
  };
  await node.rpc('evm_mine', []);
  const number = BigInt(await node.rpc<string>('eth_blockNumber', []));
  return { txs, number };
}

/** What extraction must find in the scenario block, as `txHash position kind from to amount asset`. */
export function expectedTransfers(txs: ScenarioTxs, withTraces: boolean): string[] {
  const e = (tx: string, position: string, kind: string, from: string, to: string, amount: bigint, asset = 'native'): string =>
    `${tx} ${position} ${kind} ${from} ${to} ${amount} ${asset}`;
  const out = [
    e(txs.native, 'tx', 'native', ALICE, BOB, parseEther('1.5')),
    e(txs.token, 'tx', 'call', ALICE, TOKEN, 0n),
    e(txs.token, 'log:LOG', 'erc20', ALICE, CAROL, 1000n, TOKEN),
    e(txs.nft, 'tx', 'call', BOB, NFT, 0n),
    e(txs.forwarded, 'tx', 'native', CAROL, FORWARDER_1, parseEther('1')),
    e(txs.lenient, 'tx', 'native', ERIN, LENIENT, parseEther('0.5')),
  ];
  if (withTraces) {
    out.push(e(txs.forwarded, 'trace:0', 'internal', FORWARDER_1, FORWARDER_2, parseEther('1')));
    out.push(e(txs.forwarded, 'trace:0.0', 'internal', FORWARDER_2, ERIN, parseEther('1')));
  }
  return out.sort();
}

/** `txHash position kind from to amount asset`, log indices masked (they depend on tx order), sorted. */
export function describeAll(transfers: readonly Transfer[]): string[] {
  return transfers
    .map((t) => {
      const asset = t.asset.kind === 'native' ? 'native' : t.asset.contract;
      return `${t.txHash} ${t.position.replace(/^log:\d+$/, 'log:LOG')} ${t.kind} ${t.from} ${t.to ?? 'null'} ${t.amount} ${asset}`;
    })
    .sort();
}

/** The lines of `describeAll`/`expectedTransfers` whose `from` or `to` is one of `who`. */
export function touching(lines: readonly string[], ...who: string[]): string[] {
  return lines.filter((l) => {
    const [, , , from, to] = l.split(' ');
    return who.includes(from as string) || who.includes(to as string);
  });
}

/** A scope of `watched` (what the extract stage passes: the exchange's addresses), recording what it was asked. */
/** Like `scopeOf`, with the addresses also held in memory (`evmAddresses`), as the pipeline's scope has them on EVM chains. */
export function memoryScopeOf(...watched: string[]): TransferScope & { readonly asked: string[][]; readonly loads: number } {
  const set = new HexAddressSet();
  for (const a of watched) set.add(normaliseForFamily(a, 'evm'));
  const scope = scopeOf(...watched);
  let loads = 0;
  return {
    get asked() {
      return scope.asked;
    },
    get loads() {
      return loads;
    },
    among: (addresses) => scope.among(addresses),
    async evmAddresses() {
      loads++;
      return set;
    },
  };
}

export function scopeOf(...watched: string[]): TransferScope & { readonly asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    async among(addresses) {
      asked.push([...addresses]);
      return new Set(addresses.filter((a) => watched.includes(a)));
    },
  };
}
