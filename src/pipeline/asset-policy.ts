/**
 * Per chain and asset, from the configuration: how an amount reads (symbol, decimals) and the
 * hold threshold in base units. Computed once per chain config and kept, since the act stage
 * asks for every match. A configured token given as a bare address reads as its contract says
 * (`symbol()`, `decimals()`), asked once through the chain source.
 */
import { nativeAssetOf } from '../chains/native-asset.js';
import type { NormalisedAddress } from '../domain/address.js';
import { parseUnits, type AssetUnits } from '../domain/amount.js';
import type { Logger } from '../log/logger.js';
import type { Asset } from '../domain/transfer.js';
import type { ChainConfig } from '../config/schema.js';

export interface AssetPolicy {
  /** How the asset's amounts read; null when the configuration does not describe it. */
  readonly units: AssetUnits | null;
  /** Smallest amount (base units) that raises a hold; less alerts instead. At least 1: zero never holds. */
  readonly minHold: bigint;
}

const ANY_VALUE: AssetPolicy = { units: null, minHold: 1n };

export interface AssetPolicies {
  of(chain: string, asset: Asset): Promise<AssetPolicy>;
}

/** Where a bare configured token's units are asked: the chain's source (EVM: eth_call). */
export type TokenUnitsLookup = (chain: string, contract: NormalisedAddress) => Promise<AssetUnits | null>;

export function assetPolicies(chains: readonly ChainConfig[], lookup?: TokenUnitsLookup, log?: Logger): AssetPolicies {
  const byChain = new Map(chains.map((c) => [c.id, chainPolicies(c)] as const));
  const asked = new Map<string, Promise<AssetPolicy>>();
  return {
    async of(chain, asset) {
      const policies = byChain.get(chain);
      if (policies === undefined) return ANY_VALUE;
      if (asset.kind === 'native') return policies.native;
      const configured = policies.tokens.get(asset.contract);
      if (configured === undefined || configured.units !== null || lookup === undefined) return configured ?? ANY_VALUE;
      const key = `${chain}:${asset.contract}`;
      let found = asked.get(key);
      if (found === undefined) {
        found = lookup(chain, asset.contract).then((units) => ({ units, minHold: configured.minHold }));
        asked.set(key, found);
        // A node that could not answer is asked again next time; an answer is kept.
        found.catch((err: unknown) => {
          asked.delete(key);
          log?.warn({ chain, token: asset.contract, err }, 'cannot read the token\'s symbol and decimals; amounts shown in base units');
        });
      }
      return found.catch(() => configured);
    },
  };
}

function chainPolicies(chain: ChainConfig): { native: AssetPolicy; tokens: Map<string, AssetPolicy> } {
  const fallback = nativeAssetOf(chain.family, chain.network);
  const symbol = chain.native?.symbol ?? fallback?.symbol;
  const decimals = chain.native?.decimals ?? fallback?.decimals;
  const nativeUnits = symbol === undefined || decimals === undefined ? null : { symbol, decimals };
  const native = policy(`chain ${chain.id} native`, nativeUnits, chain.native?.minHold);
  const tokens = new Map<string, AssetPolicy>();
  for (const t of chain.tokens ?? []) {
    const units = t.symbol === undefined || t.decimals === undefined ? null : { symbol: t.symbol, decimals: t.decimals };
    tokens.set(t.address, policy(`chain ${chain.id} token ${t.address}`, units, t.minHold));
  }
  return { native, tokens };
}

function policy(where: string, units: AssetUnits | null, minHold: string | undefined): AssetPolicy {
  if (minHold === undefined) return { units, minHold: 1n };
  // The schema checks this; a native coin whose decimals come from the family default is checked here.
  if (units === null) throw new Error(`${where}: minHold needs the asset's symbol and decimals`);
  const base = parseUnits(minHold, units.decimals);
  return { units, minHold: base < 1n ? 1n : base };
}
