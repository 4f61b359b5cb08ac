/**
 * A UTXO block as Transfers that the account rules written for account-based chains attribute
 * correctly, unchanged (src/accounts/attribute.ts), plus the pure helpers the extract stage
 * uses to choose which transactions need their inputs resolved.
 *
 * The model. A Bitcoin transaction has many senders (the addresses of the outputs its inputs
 * spend) and many recipients (its outputs), and no "from" of its own. Cordon emits one
 * Transfer per (output, distinct input address) pair of a resolved transaction:
 *
 *   { kind: 'utxo', position: `out:<vout>:in:<vin>`, payment: `out:<vout>`, from: input address,
 *     txFrom: the same, to: output address, amount: the output's value }
 *
 * where `vin` is the first input spending from that address. With that:
 * - a deposit (an output paying our deposit address) appears once per sender, so every input
 *   address of the transaction is a counterparty, each screened;
 * - a withdrawal (an input spending our hot wallet's output) appears once per output, with the
 *   hot wallet as `from`: every output not paying one of our addresses is a counterparty, and
 *   change back to our own addresses is "between two of ours" and drops out;
 * - a consolidation or sweep between our own addresses yields nothing.
 * `amount` is always the whole output's value (inputs are not earmarked to outputs in Bitcoin):
 * sum amounts per `out:<vout>`, never across a transaction's transfers. For the same reason the
 * output is the payment (`payment: out:<vout>`): a withdrawal paid from two of the exchange's
 * addresses to a listed one is one payment and raises one hold per list entry, for the output's
 * value, not one per input.
 *
 * Not representable, so left out: outputs without an address (OP_RETURN, bare multisig, p2pk),
 * inputs spending such outputs, and coinbase transactions (new coins have no sender).
 */
import type { NormalisedAddress } from '../../domain/address.js';
import type { Transfer } from '../../domain/transfer.js';
import type { Outpoint, ResolvedInputs, UtxoBlock } from './utxo-block.js';

const NATIVE = { kind: 'native' } as const;

/** Transfers of the transactions in `inputs` (each with its resolved prevouts), in block order. */
export function utxoTransfers(chain: string, block: UtxoBlock, inputs: ResolvedInputs): Transfer[] {
  const out: Transfer[] = [];
  for (const tx of block.txs) {
    const resolved = inputs.get(tx.txid);
    if (resolved === undefined || resolved.length === 0) continue;
    if (resolved.length !== tx.inputs.length) {
      throw new RangeError(`${tx.txid}: ${resolved.length} resolved inputs for ${tx.inputs.length} inputs`);
    }
    // Each sender once, at its first input.
    const senders: { address: NormalisedAddress; vin: number }[] = [];
    const seen = new Set<string>();
    resolved.forEach((r, vin) => {
      if (r.address !== null && !seen.has(r.address)) {
        seen.add(r.address);
        senders.push({ address: r.address, vin });
      }
    });
    for (const o of tx.outputs) {
      if (o.address === null) continue;
      for (const s of senders) {
        out.push({
          chain,
          blockNumber: block.ref.number,
          blockHash: block.ref.hash,
          txHash: tx.txid,
          position: `out:${o.vout}:in:${s.vin}`,
          payment: `out:${o.vout}`,
          kind: 'utxo',
          asset: NATIVE,
          from: s.address,
          to: o.address,
          amount: o.value,
          txFrom: s.address,
        });
      }
    }
  }
  return out;
}

/** Every distinct output address of the block: what to look up among the exchange's addresses. */
export function outputAddresses(block: UtxoBlock): NormalisedAddress[] {
  const seen = new Set<NormalisedAddress>();
  for (const tx of block.txs) for (const o of tx.outputs) if (o.address !== null) seen.add(o.address);
  return [...seen];
}

/** `txid:vout`, the key of an outpoint in sets and in the store. */
export function outpointKey(o: Outpoint): string {
  return `${o.txid}:${o.vout}`;
}

/** Every outpoint the block spends, as keys: look these up in the exchange's own unspent outputs. */
export function spentOutpointKeys(block: UtxoBlock): string[] {
  const out: string[] = [];
  for (const tx of block.txs) for (const o of tx.inputs) out.push(outpointKey(o));
  return out;
}

/** Outputs of the block paying one of `addresses` (e.g. hot wallets), as outpoints with address and value. */
export function outputsPaying(
  block: UtxoBlock,
  addresses: ReadonlySet<string>,
): { readonly outpoint: Outpoint; readonly address: NormalisedAddress; readonly value: bigint }[] {
  const out: { outpoint: Outpoint; address: NormalisedAddress; value: bigint }[] = [];
  for (const tx of block.txs) {
    for (const o of tx.outputs) {
      if (o.address !== null && addresses.has(o.address)) out.push({ outpoint: { txid: tx.txid, vout: o.vout }, address: o.address, value: o.value });
    }
  }
  return out;
}

export interface TxSelection {
  /** The exchange's addresses among `outputAddresses(block)` (deposit addresses and hot wallets). */
  readonly watched: ReadonlySet<string>;
  /**
   * Outpoints (`txid:vout`) the exchange owns, i.e. unspent outputs paying its hot wallets (and
   * deposit addresses, to see sweeps): a transaction spending one is a withdrawal or a sweep.
   */
  readonly ownedOutpoints?: ReadonlySet<string>;
  /** Transactions the exchange registered as its withdrawals. */
  readonly txids?: ReadonlySet<string>;
}

/**
 * The transactions whose inputs must be resolved: those paying a watched address (a deposit's
 * senders; a withdrawal whose change returns to a hot wallet), spending an owned outpoint (any
 * withdrawal or sweep), or registered by txid. Outputs created and spent within this block
 * count as owned when they pay a watched address. Never the coinbase.
 */
export function selectTxids(block: UtxoBlock, sel: TxSelection): string[] {
  const out: string[] = [];
  const ownedHere = new Set<string>();
  for (const tx of block.txs) {
    let pick = tx.index > 0 && (sel.txids?.has(tx.txid) ?? false);
    for (const o of tx.outputs) {
      if (o.address !== null && sel.watched.has(o.address)) {
        if (tx.index > 0) pick = true;
        ownedHere.add(`${tx.txid}:${o.vout}`);
      }
    }
    if (!pick && tx.index > 0 && (ownedHere.size > 0 || (sel.ownedOutpoints?.size ?? 0) > 0)) {
      for (const o of tx.inputs) {
        const key = outpointKey(o);
        if (ownedHere.has(key) || sel.ownedOutpoints?.has(key) === true) {
          pick = true;
          break;
        }
      }
    }
    if (pick) out.push(tx.txid);
  }
  return out;
}

