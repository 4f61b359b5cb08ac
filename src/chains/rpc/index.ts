/** A JSON-RPC endpoint pool any chain family can use: batching, failover, backoff, rate limits, counters. */
export { createEndpointPool, endpointLabel, type Endpoint, type EndpointPool, type EndpointPoolOptions, type EndpointStats, type PoolEndpointConfig } from './endpoint-pool.js';
export * from './errors.js';
export { ChainMismatch, NoEndpointOnChain, type ChainMismatchDetail, type IdentifyEndpoint } from './chain-identity.js';
export { describeCalls, frame, readAnswers, type JsonRpcRequest, type RpcCall, type RpcOutcome } from './json-rpc.js';
export { httpTransport, parseHttpAnswer, transportError, type RpcTransport, type SendContext } from './transport.js';
export { httpPost, httpPostText, HttpFailure, HttpTimeout, type HttpAnswer, type HttpPostOptions, type HttpTextAnswer } from '../../net/http-request.js';
