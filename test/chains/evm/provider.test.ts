import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { evmTransport } from '../../../src/chains/evm/provider.js';
import { RpcTimeout } from '../../../src/chains/rpc/errors.js';
import { startAnvil, type Anvil } from '../../helpers/anvil.js';
import { startRpcFaultServer } from '../../helpers/rpc-fault-server.js';

let node: Anvil;
beforeAll(async () => {
  node = await startAnvil();
});
afterAll(async () => {
  await node?.stop();
});

describe('the ethers provider behind each EVM endpoint', () => {
  it('answers ethers-level calls through Cordon’s transport', async () => {
    const t = evmTransport(node.url, 'anvil#0', 2_000);
    try {
      expect(await t.provider.getBlockNumber()).toBe(0);
      expect((await t.provider.getNetwork()).chainId).toBe(31337n);
      const [a, b] = await Promise.all([t.provider.send('eth_chainId', []), t.provider.send('eth_blockNumber', [])]);
      expect([a, b]).toEqual(['0x7a69', '0x0']);
    } finally {
      await t.close();
    }
  });

  it('a batch that gets no answer in time fails as RpcTimeout naming the endpoint and calls', async () => {
    const proxy = await startRpcFaultServer({ upstream: node.url });
    proxy.inject({ method: 'eth_chainId', fault: { kind: 'timeout' } });
    const t = evmTransport(proxy.url, 'proxy#1', 200);
    try {
      const err = await t
        .send([{ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }, { jsonrpc: '2.0', id: 2, method: 'eth_chainId', params: [] }], { endpoint: 'proxy#1', timeoutMs: 200 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RpcTimeout);
      expect(err).toMatchObject({ endpoint: 'proxy#1', method: 'eth_chainId×2', timeoutMs: 200 });
    } finally {
      await t.close();
      await proxy.close();
    }
  });
});
