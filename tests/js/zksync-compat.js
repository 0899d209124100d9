#!/usr/bin/env node
// zkSync Lite's own JavaScript SDK (npm `zksync`, pinned in package.json, unchanged) against a
// running Tern devnet: its JSON-RPC providers (HTTP and WebSocket) and its REST provider
// (/api/v0.2) read tokens, the contract, an account, fees and one transaction's receipt
// through COMMIT and VERIFY.
//
// Usage: node tests/js/zksync-compat.js DEVNET_DIR TX_HASH
//   DEVNET_DIR  the devnet's data directory (holds devnet.json)
//   TX_HASH     an L2 transaction (`0x` + 64 hex) submitted by `tern wallet`, pending or not
//
// Exits non-zero with a message on the first failed check; prints one JSON line on success.
// Environment: TERN_JS_TIMEOUT (seconds, default 240) bounds the whole run.
'use strict';

const fs = require('fs');
const path = require('path');
const zksync = require('zksync');
const { BigNumber } = require('ethers');

const started = Date.now();

// The SDK reports a failed unsubscribe only with console.log; keep such lines to fail on them.
const sdkLogged = [];
const log = console.log;
console.log = (...args) => {
  const line = args.map(String).join(' ');
  if (/WebSocket connection closed with reason/.test(line)) sdkLogged.push(line);
  log(...args);
};
const TOTAL_SECS = Number(process.env.TERN_JS_TIMEOUT || 240);
const POLL_MS = 250;

let step = 'start';
function fail(message) {
  console.error(`zksync-compat: FAILED at [${step}]: ${message}`);
  process.exit(1);
}
const deadline = setTimeout(() => fail(`timed out after ${TOTAL_SECS} s`), TOTAL_SECS * 1000);

function check(cond, message) {
  if (!cond) throw new Error(message);
}
function eqAddr(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}
function j(v) {
  return JSON.stringify(v, (_, x) => (BigNumber.isBigNumber(x) ? x.toString() : x));
}
function positive(bn, what) {
  check(BigNumber.isBigNumber(bn), `${what} is not a BigNumber: ${j(bn)}`);
  check(bn.gt(0), `${what} is not positive: ${bn.toString()}`);
  return bn.toString();
}
async function at(name, f) {
  step = name;
  try {
    return await f();
  } catch (e) {
    const detail = e && e.response ? ` (HTTP ${e.response.status}: ${j(e.response.data)})` : '';
    throw new Error(`${name}: ${e && e.message ? e.message : j(e)}${detail}`);
  }
}

function checkTokens(tokens, who) {
  check(tokens && typeof tokens === 'object', `${who}: tokens is not an object: ${j(tokens)}`);
  const eth = tokens.ETH;
  check(eth, `${who}: no ETH among tokens ${j(Object.keys(tokens))}`);
  check(eth.id === 0, `${who}: ETH id is ${j(eth.id)}, not 0`);
  check(eth.symbol === 'ETH', `${who}: ETH symbol is ${j(eth.symbol)}`);
  check(eth.decimals === 18, `${who}: ETH decimals is ${j(eth.decimals)}`);
  check(/^0x0{40}$/.test(eth.address), `${who}: ETH address is ${j(eth.address)}`);
  return Object.keys(tokens).sort();
}

function checkContract(addr, dn, who) {
  check(eqAddr(addr.mainContract, dn.contract),
    `${who}: mainContract ${j(addr.mainContract)} != devnet contract ${dn.contract}`);
}

function checkState(state, acct, who) {
  check(state.id === acct.account_id, `${who}: account id ${j(state.id)} != ${acct.account_id}`);
  check(eqAddr(state.address, acct.address), `${who}: address ${j(state.address)}`);
  const eth = state.committed && state.committed.balances && state.committed.balances.ETH;
  check(eth !== undefined, `${who}: no committed ETH balance: ${j(state.committed)}`);
  const bal = BigNumber.from(eth);
  check(bal.gt(0), `${who}: committed ETH balance is ${bal.toString()}`);
  check(Number.isInteger(state.committed.nonce), `${who}: committed nonce ${j(state.committed.nonce)}`);
  check(/^sync:[0-9a-f]{40}$/.test(state.committed.pubKeyHash),
    `${who}: committed pubKeyHash ${j(state.committed.pubKeyHash)}`);
  check(state.verified && state.verified.balances, `${who}: no verified state: ${j(state.verified)}`);
  return bal;
}

async function fees(provider, to, who) {
  const transfer = await at(`${who} getTransactionFee(Transfer)`, () =>
    provider.getTransactionFee('Transfer', to, 'ETH'));
  const withdraw = await at(`${who} getTransactionFee(Withdraw)`, () =>
    provider.getTransactionFee('Withdraw', to, 'ETH'));
  const batch = await at(`${who} getTransactionsBatchFee`, () =>
    provider.getTransactionsBatchFee(['Transfer', 'Withdraw'], [to, to], 'ETH'));
  const out = {
    transfer: positive(transfer.totalFee, `${who} Transfer totalFee`),
    withdraw: positive(withdraw.totalFee, `${who} Withdraw totalFee`),
    batch: positive(batch, `${who} batch fee`),
  };
  positive(transfer.zkpFee.add(transfer.gasFee), `${who} Transfer gasFee + zkpFee`);
  check(BigNumber.from(out.batch).gte(transfer.totalFee),
    `${who}: batch fee ${out.batch} < a single transfer's ${out.transfer}`);
  return out;
}

function checkReceipt(r, action, who) {
  check(r && r.executed === true, `${who} ${action}: not executed: ${j(r)}`);
  check(r.success === true, `${who} ${action}: success is ${j(r.success)} (${j(r.failReason)})`);
  check(r.block && Number.isInteger(r.block.blockNumber) && r.block.blockNumber > 0,
    `${who} ${action}: no block: ${j(r)}`);
  check(r.block.committed === true, `${who} ${action}: block not committed: ${j(r.block)}`);
  if (action === 'VERIFY') {
    check(r.block.verified === true, `${who} VERIFY: block not verified: ${j(r.block)}`);
  }
  return r.block.blockNumber;
}

// The JSON-RPC subscription receipt (tx_subscribe) is the same shape as tx_info's.
function checkWsReceipt(r, action) {
  check(r && r.executed === true, `ws ${action}: not executed: ${j(r)}`);
  check(r.success === true, `ws ${action}: success is ${j(r.success)}`);
  check(r.block && r.block.blockNumber > 0, `ws ${action}: no block: ${j(r)}`);
  if (action === 'VERIFY') check(r.block.verified === true, `ws VERIFY: not verified: ${j(r)}`);
  return r.block.blockNumber;
}

// `Provider.newWebsocketProvider` as published cannot succeed against any server: it sends
// `contract_address` and `tokens` at once (Promise.all), and its WSTransport gives every
// request the fixed id 1, so websocket-as-promised rejects the first with "WebSocket request
// is replaced, id: 1" before a byte reaches the server. When that (and only that) happens, the
// provider is built as newWebsocketProvider builds it, from the SDK's own WSTransport, with the
// two calls made one after the other.
async function websocketProvider(url, summary) {
  try {
    const p = await zksync.Provider.newWebsocketProvider(url);
    summary.ws.construct = 'newWebsocketProvider';
    return p;
  } catch (e) {
    if (!/WebSocket request is replaced, id: 1/.test(String(e && e.message))) throw e;
  }
  const { WSTransport } = require('zksync/build/transport');
  const { TokenSet } = require('zksync/build/utils');
  const p = new zksync.Provider(await WSTransport.connect(url));
  p.contractAddress = await p.getContractAddress();
  p.tokenSet = new TokenSet(await p.getTokens());
  summary.ws.construct = 'sequential (SDK bug: request id 1 reused)';
  return p;
}

async function main() {
  const [dir, txHash] = process.argv.slice(2);
  if (!dir || !txHash) {
    throw new Error('usage: node tests/js/zksync-compat.js DEVNET_DIR TX_HASH');
  }
  check(/^0x[0-9a-fA-F]{64}$/.test(txHash), `TX_HASH must be 0x + 64 hex digits, got ${txHash}`);
  const dn = await at('read devnet.json', () =>
    JSON.parse(fs.readFileSync(path.join(dir, 'devnet.json'), 'utf8')));
  const [a0, a1] = dn.accounts;
  check(a0 && a1, 'devnet.json needs two accounts');
  const summary = { hash: txHash, http: {}, ws: {}, rest: {} };

  // --- JSON-RPC over HTTP ---------------------------------------------------------------
  const http = await at('Provider.newHttpProvider', () =>
    zksync.Provider.newHttpProvider(dn.rpc_http, POLL_MS));
  summary.http.tokens = checkTokens(await at('http getTokens', () => http.getTokens()), 'http');
  checkContract(http.contractAddress, dn, 'http');
  checkContract(await at('http getContractAddress', () => http.getContractAddress()), dn, 'http');
  check(http.tokenSet.resolveTokenId('ETH') === 0, 'http tokenSet: ETH is not id 0');
  const httpState = await at('http getState', () => http.getState(a0.address));
  checkState(httpState, a0, 'http');
  summary.http.fees = await fees(http, a1.address, 'http');
  const first = await at('http getTxReceipt', () => http.getTxReceipt(txHash));
  check(first && typeof first.executed === 'boolean', `http getTxReceipt: ${j(first)}`);

  // --- JSON-RPC over WebSocket: subscriptions opened now, while the tx may be pending ------
  const ws = await at('Provider.newWebsocketProvider', () => websocketProvider(dn.rpc_ws, summary));
  summary.ws.tokens = checkTokens(await at('ws getTokens', () => ws.getTokens()), 'ws');
  checkContract(ws.contractAddress, dn, 'ws');
  checkState(await at('ws getState', () => ws.getState(a0.address)), a0, 'ws');
  const wsCommit = ws.notifyTransaction(txHash, 'COMMIT').then((r) => ({ r, at: Date.now() }));
  const wsVerify = ws.notifyTransaction(txHash, 'VERIFY').then((r) => ({ r, at: Date.now() }));
  // Awaited below, in order; a rejection meanwhile is reported there, not as unhandled.
  wsCommit.catch(() => {});
  wsVerify.catch(() => {});

  // --- REST (/api/v0.2) -------------------------------------------------------------------
  const rest = await at('RestProvider.newProvider', () =>
    zksync.RestProvider.newProvider(dn.rest, POLL_MS));
  summary.rest.tokens = checkTokens(await at('rest getTokens', () => rest.getTokens()), 'rest');
  checkContract(rest.contractAddress, dn, 'rest');
  const config = await at('rest config', () => rest.config());
  check(eqAddr(config.contract, dn.contract) && Number.isInteger(config.depositConfirmations),
    `rest config: ${j(config)}`);
  const restState = await at('rest getState', () => rest.getState(a0.address));
  checkState(restState, a0, 'rest');
  summary.rest.fees = await fees(rest, a1.address, 'rest');
  const confirmations = await at('http getConfirmationsForEthOpAmount', () =>
    http.getConfirmationsForEthOpAmount());
  check(confirmations === (await at('rest getConfirmationsForEthOpAmount', () =>
    rest.getConfirmationsForEthOpAmount())), `deposit confirmations differ: http ${confirmations}`);
  const status = await at('rest networkStatus', () => rest.networkStatus());
  check(Number.isInteger(status.lastCommitted), `rest networkStatus: ${j(status)}`);

  // --- the transaction through COMMIT and VERIFY ------------------------------------------
  const hc = await at('http notifyTransaction(COMMIT)', () => http.notifyTransaction(txHash, 'COMMIT'));
  const block = checkReceipt(hc, 'COMMIT', 'http');
  summary.http.commitSecs = (Date.now() - started) / 1000;
  const wc = await at('ws notifyTransaction(COMMIT)', () => wsCommit);
  check(checkWsReceipt(wc.r, 'COMMIT') === block, `ws COMMIT block ${j(wc.r.block)} != ${block}`);
  summary.ws.commitSecs = (wc.at - started) / 1000;
  const rc = await at('rest notifyTransaction(COMMIT)', () => rest.notifyTransaction(txHash, 'COMMIT'));
  check(checkReceipt(rc, 'COMMIT', 'rest') === block, `rest COMMIT block ${j(rc.block)} != ${block}`);

  const hv = await at('http notifyTransaction(VERIFY)', () => http.notifyTransaction(txHash, 'VERIFY'));
  check(checkReceipt(hv, 'VERIFY', 'http') === block, `http VERIFY block ${j(hv.block)} != ${block}`);
  summary.http.verifySecs = (Date.now() - started) / 1000;
  const wv = await at('ws notifyTransaction(VERIFY)', () => wsVerify);
  check(checkWsReceipt(wv.r, 'VERIFY') === block, `ws VERIFY block ${j(wv.r.block)} != ${block}`);
  summary.ws.verifySecs = (wv.at - started) / 1000;
  const rv = await at('rest notifyTransaction(VERIFY)', () => rest.notifyTransaction(txHash, 'VERIFY'));
  check(checkReceipt(rv, 'VERIFY', 'rest') === block, `rest VERIFY block ${j(rv.block)} != ${block}`);
  const rr = await at('rest getTxReceipt', () => rest.getTxReceipt(txHash));
  checkReceipt(rr, 'VERIFY', 'rest');
  const ts = await at('rest txStatus', () => rest.txStatus(txHash));
  check(ts.status === 'finalized' && ts.rollupBlock === block, `rest txStatus: ${j(ts)}`);
  const td = await at('rest txData', () => rest.txData(txHash));
  check(td.tx && td.tx.op && td.tx.op.type === 'Transfer', `rest txData: ${j(td)}`);
  const bl = await at('rest blockByPosition', () => rest.blockByPosition(block));
  check(bl.blockNumber === block && bl.status === 'finalized', `rest blockByPosition: ${j(bl)}`);

  // --- after VERIFY the three views of the account agree -----------------------------------
  const hs = checkState(await at('http getState (final)', () => http.getState(a0.address)), a0, 'http');
  const rs = checkState(await at('rest getState (final)', () => rest.getState(a0.address)), a0, 'rest');
  const ws2 = checkState(await at('ws getState (final)', () => ws.getState(a0.address)), a0, 'ws');
  check(hs.eq(rs) && hs.eq(ws2), `committed ETH differs: http ${hs} rest ${rs} ws ${ws2}`);
  const hVer = (await http.getState(a0.address)).verified.balances.ETH;
  const rVer = (await rest.getState(a0.address)).verified.balances.ETH;
  check(BigNumber.from(hVer).eq(BigNumber.from(rVer)), `verified ETH differs: http ${hVer} rest ${rVer}`);

  // The SDK unsubscribes each notified subscription in the background and only logs a failure
  // (tx_unsubscribe answering anything but true): wait for both to end, and fail on such a log.
  await at('ws tx_unsubscribe', async () => {
    const until = Date.now() + 10000;
    while (ws.transport.subscriptionCallback.size > 0 && !sdkLogged.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    check(!sdkLogged.length, `the SDK logged: ${sdkLogged.join('; ')}`);
    check(ws.transport.subscriptionCallback.size === 0,
      `${ws.transport.subscriptionCallback.size} subscription(s) not unsubscribed after 10 s`);
  });
  step = 'disconnect';
  await ws.disconnect();
  summary.block = block;
  summary.ethBalance = hs.toString();
  summary.secs = (Date.now() - started) / 1000;
  clearTimeout(deadline);
  console.log(JSON.stringify({ ok: true, ...summary }));
  process.exit(0);
}

main().catch((e) => fail(e && e.stack && process.env.TERN_JS_DEBUG ? e.stack : (e && e.message) || String(e)));
