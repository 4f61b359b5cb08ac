import { describe, expect, it } from 'vitest';

import { AnvilRpcError, DEV_ACCOUNTS, startAnvil } from '../../helpers/anvil.js';

describe('the anvil test helper', () => {
  it('starts independent nodes on free ports, answers batches, and stops them for good', async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ chainId: 1337, automine: false })]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(await a.rpc('eth_chainId')).toBe('0x7a69');
      expect(await b.rpcBatch([{ method: 'eth_chainId', params: [] }, { method: 'eth_blockNumber', params: [] }])).toEqual(['0x539', '0x0']);
      expect(await a.rpc<string[]>('eth_accounts')).toEqual([...DEV_ACCOUNTS]);
      await expect(a.rpc('no_such_method')).rejects.toMatchObject({ name: 'AnvilRpcError', code: -32601 });
      await expect(a.rpc('no_such_method')).rejects.toBeInstanceOf(AnvilRpcError);
    } finally {
      await a.stop();
      await a.stop(); // idempotent
      await b.stop();
    }
    await expect(fetch(a.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
