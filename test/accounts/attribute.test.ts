import { describe, expect, it } from 'vitest';
import {
  attributeTransfer,
  attributeTransfers,
  type AccountsLookup,
  type Attribution,
  type TransferLookup,
  type WatchedInfo,
} from '../../src/accounts/attribute.js';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { blockHash } from '../../src/domain/block.js';
import type { Transfer, TransferKind } from '../../src/domain/transfer.js';

/** Tests build addresses by hand; production code gets them only from the normaliser. */
const addr = (raw: string) => raw as NormalisedAddress;

const TORNADO = addr('0x8589427373d6d84e98730d7795d8f6f8731fda16');
const TORNADO_ROUTER = addr('0xd90e2f925da726b50c4ed8d0fb90ad053324f31b');
const USDT = addr('0xdac17f958d2ee523a2206206994597c13d831ec7');
const STRANGER = addr('0x00000000000000000000000000000000000000aa');
const DEPOSIT_A = addr('0x1111111111111111111111111111111111111111');
const DEPOSIT_B = addr('0x2222222222222222222222222222222222222222');
const HOT_WALLET = addr('0x28c6c06298d514db089934071355e5743bf21d60');
const TX = `0x${'ab'.repeat(32)}`;

const WATCHED = new Map<NormalisedAddress, WatchedInfo>([
  [DEPOSIT_A, { accountId: 'acct-a', kind: 'deposit' }],
  [DEPOSIT_B, { accountId: 'acct-b', kind: 'deposit' }],
  [HOT_WALLET, { accountId: 'house', kind: 'hot_wallet' }],
]);

function transfer(kind: TransferKind, from: NormalisedAddress, to: NormalisedAddress | null, txFrom = from): Transfer {
  return {
    chain: 'ethereum',
    blockNumber: 19_000_000n,
    blockHash: blockHash(`0x${'01'.repeat(32)}`),
    txHash: TX,
    position: kind === 'erc20' ? 'log:7' : kind === 'internal' ? 'trace:0.1' : 'tx',
    kind,
    asset: kind === 'erc20' ? { kind: 'token', contract: USDT } : { kind: 'native' },
    from,
    to,
    amount: kind === 'call' ? 0n : 5_000_000n,
    txFrom,
  };
}

function lookup(extra: Partial<TransferLookup> = {}): TransferLookup {
  return { watched: WATCHED, withdrawalByTxid: null, withdrawalsByDestination: new Map(), ...extra };
}

interface Case {
  readonly name: string;
  readonly transfer: Transfer;
  readonly lookup?: TransferLookup;
  readonly expected: Partial<Attribution>[];
}

const cases: Case[] = [
  {
    name: 'an ERC-20 deposit from a listed sender is a deposit of the address owner, counterparty the log sender',
    transfer: transfer('erc20', TORNADO, DEPOSIT_A),
    expected: [{ direction: 'deposit', accountId: 'acct-a', exchangeAddress: DEPOSIT_A, counterparties: [TORNADO], basis: 'deposit-address' }],
  },
  {
    name: 'a native deposit paid through a contract names both the contract and the transaction sender',
    transfer: transfer('internal', TORNADO_ROUTER, DEPOSIT_A, TORNADO),
    expected: [{ direction: 'deposit', accountId: 'acct-a', counterparties: [TORNADO_ROUTER, TORNADO] }],
  },
  {
    name: 'a sweep from a deposit address to the hot wallet has no external counterparty and no attribution',
    transfer: transfer('native', DEPOSIT_A, HOT_WALLET),
    expected: [],
  },
  {
    name: 'the hot wallet paying one of our own deposit addresses is internal',
    transfer: transfer('erc20', HOT_WALLET, DEPOSIT_B),
    expected: [],
  },
  {
    name: 'a deposit sent by our hot wallet through a contract keeps only the contract as counterparty',
    transfer: transfer('internal', TORNADO_ROUTER, DEPOSIT_A, HOT_WALLET),
    expected: [{ direction: 'deposit', accountId: 'acct-a', counterparties: [TORNADO_ROUTER] }],
  },
  {
    name: 'a withdrawal whose txid was registered belongs to that account, counterparty the recipient',
    transfer: transfer('native', HOT_WALLET, TORNADO),
    lookup: lookup({ withdrawalByTxid: { accountId: 'acct-b' }, withdrawalsByDestination: new Map([[TORNADO, ['acct-a']]]) }),
    expected: [
      { direction: 'withdrawal', accountId: 'acct-b', exchangeAddress: HOT_WALLET, counterparties: [TORNADO], basis: 'withdrawal-txid' },
    ],
  },
  {
    name: 'a withdrawal registered by destination only belongs to the account that registered it',
    transfer: transfer('erc20', HOT_WALLET, TORNADO),
    lookup: lookup({ withdrawalsByDestination: new Map([[TORNADO, ['acct-a']]]) }),
    expected: [{ direction: 'withdrawal', accountId: 'acct-a', counterparties: [TORNADO], basis: 'withdrawal-destination' }],
  },
  {
    name: 'a destination registered by several accounts attributes to nobody and names the candidates',
    transfer: transfer('native', HOT_WALLET, TORNADO),
    lookup: lookup({ withdrawalsByDestination: new Map([[TORNADO, ['acct-b', 'acct-a']]]) }),
    expected: [
      { direction: 'withdrawal', accountId: null, basis: 'withdrawal-ambiguous-destination', candidateAccounts: ['acct-b', 'acct-a'] },
    ],
  },
  {
    name: 'an unregistered withdrawal to a listed address is unattributed but still names the hot wallet',
    transfer: transfer('native', HOT_WALLET, TORNADO),
    expected: [
      { direction: 'withdrawal', accountId: null, exchangeAddress: HOT_WALLET, counterparties: [TORNADO], basis: 'withdrawal-unregistered' },
    ],
  },
  {
    name: 'a value-less call from the hot wallet to a listed contract is a withdrawal counterparty',
    transfer: transfer('call', HOT_WALLET, TORNADO_ROUTER),
    expected: [{ direction: 'withdrawal', accountId: null, counterparties: [TORNADO_ROUTER] }],
  },
  {
    name: 'a value-less call into a deposit address deposits nothing',
    transfer: transfer('call', TORNADO, DEPOSIT_A),
    expected: [],
  },
  {
    name: 'a listed sender paying the hot wallet directly is an unattributed deposit (alerts only)',
    transfer: transfer('native', TORNADO, HOT_WALLET),
    expected: [{ direction: 'deposit', accountId: null, exchangeAddress: HOT_WALLET, counterparties: [TORNADO], basis: 'hot-wallet-inbound' }],
  },
  {
    name: 'a transfer between two strangers is nobody\'s',
    transfer: transfer('erc20', TORNADO, STRANGER),
    expected: [],
  },
  {
    name: 'a contract creation from the hot wallet has no recipient to screen',
    transfer: transfer('native', HOT_WALLET, null),
    expected: [],
  },
];

describe('attributeTransfer', () => {
  it.each(cases)('$name', ({ transfer: t, lookup: l, expected }) => {
    const got = attributeTransfer(t, l ?? lookup());
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(got[i]).toMatchObject(e));
  });
});

describe('attributeTransfers', () => {
  it("picks each transfer's txid registration from the block's lookup", () => {
    const other = `0x${'cd'.repeat(32)}`;
    const block: AccountsLookup = {
      chain: 'ethereum',
      watched: WATCHED,
      withdrawalsByTxid: new Map([[other, { id: 'wd-9', accountId: 'acct-b' }]]),
      withdrawalsByDestination: new Map(),
    };
    const first = transfer('native', HOT_WALLET, TORNADO);
    const second = { ...transfer('native', HOT_WALLET, TORNADO), txHash: other };
    const sweep = transfer('native', DEPOSIT_A, HOT_WALLET);
    const out = attributeTransfers([first, sweep, second], block);
    expect(out.map((o) => [o.transfer.txHash, o.attribution.accountId])).toEqual([
      [TX, null],
      [other, 'acct-b'],
    ]);
    expect(() => attributeTransfers([{ ...first, chain: 'polygon' }], block)).toThrow(/polygon/);
  });
});
