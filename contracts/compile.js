#!/usr/bin/env node
// Compiles contracts/src/*.sol and contracts/test/*.sol with the pinned solc-js (package.json)
// and writes one artifact per deployable contract to contracts/out/<Name>.json.
//
// The artifacts are committed: `cargo build` reads them (alloy `sol!` in crates/contracts) and
// needs no Node.js. CI reruns this script and fails on any difference, so the output must be
// a pure function of the sources: fixed compiler, fixed settings, no metadata hash or CBOR
// trailer in the bytecode, sorted file and contract order, stable pretty-printed JSON.
//
// Usage: node contracts/compile.js   (or: npm run compile)
//
// As a module it exports `compileStdin()`: compiles one Solidity source read from standard
// input with the same settings and prints {"<Name>": {"abi", "bytecode", ...}} as JSON. The
// Rust tests use it to compile generated sources (tern-contracts' `solidity_source`).
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const SOLC_VERSION = '0.8.37';
const ROOT = __dirname;
const SOURCE_DIRS = ['src', 'test'];
const OUT = path.join(ROOT, 'out');
// Contracts whose fallback delegatecalls a module: contract name -> the module and the abstract
// contract both inherit their types from.
const FORWARDS = { Rollup: { module: 'RollupExodus', base: 'RollupBase' } };

// Fixed compiler settings. The optimizer runs for 200 (solc's default): higher values inline
// more and push Rollup.sol past the 24,576-byte code size limit (EIP-170), for no measurable
// gain in the verifier. The EVM version is pinned (not the compiler's default) so that
// a compiler upgrade cannot silently change the target; Cancun has MCOPY and transient
// storage, and every chain Tern targets (and revm, anvil) runs it.
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  viaIR: false,
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
};

function fail(msg) {
  process.stderr.write(`compile.js: ${msg}\n`);
  process.exit(1);
}

function main() {
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    fail(`solc-js is ${version}; package.json pins ${SOLC_VERSION} (run npm ci)`);
  }

  // Source units are named by their path relative to contracts/, e.g. "src/Rollup.sol", so
  // imports between them resolve as relative paths ("./X.sol", "../src/X.sol").
  const sources = {};
  for (const dir of SOURCE_DIRS) {
    const abs = path.join(ROOT, dir);
    if (!fs.existsSync(abs)) continue;
    for (const file of fs.readdirSync(abs).filter((f) => f.endsWith('.sol')).sort()) {
      sources[`${dir}/${file}`] = { content: fs.readFileSync(path.join(abs, file), 'utf8') };
    }
  }
  if (Object.keys(sources).length === 0) fail('no sources');

  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const findImports = (p) => {
    const abs = path.resolve(ROOT, p);
    if (!abs.startsWith(ROOT + path.sep) || !fs.existsSync(abs)) {
      return { error: `import not found: ${p}` };
    }
    return { contents: fs.readFileSync(abs, 'utf8') };
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));

  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) process.stderr.write(`${e.formattedMessage}\n`);
  if (errors.length > 0) fail(`${errors.length} error(s)`);
  const warnings = (output.errors || []).filter((e) => e.severity === 'warning');
  if (warnings.length > 0) fail(`${warnings.length} warning(s); the build is warning-free`);

  const artifacts = new Map();
  for (const unit of Object.keys(output.contracts).sort()) {
    for (const name of Object.keys(output.contracts[unit]).sort()) {
      const c = output.contracts[unit][name];
      const bytecode = c.evm.bytecode.object;
      // Interfaces and abstract contracts have no code; nothing to deploy or bind.
      if (bytecode.length === 0) continue;
      if (bytecode.includes('__$')) fail(`${unit}:${name} needs library linking; not supported`);
      if (artifacts.has(name)) fail(`contract name ${name} defined twice (${unit})`);
      artifacts.set(name, {
        contractName: name,
        sourceName: unit,
        compiler: { version, settings: SETTINGS },
        abi: c.abi,
        bytecode: `0x${bytecode}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      });
    }
  }

  // A contract's artifact ABI is the ABI of its address: `Rollup` forwards every call it does
  // not implement to `RollupExodus` (fallback + delegatecall), so its artifact lists those
  // functions too, and the Rust bindings (`sol!` over Rollup.json) call them on the rollup.
  // The shared structs are named as the address's own (`struct Rollup.StoredBlockInfo`, not
  // `struct RollupBase.…`), so the bindings keep them in the `Rollup` module.
  for (const [name, { module, base }] of Object.entries(FORWARDS)) {
    const target = artifacts.get(name);
    const source = artifacts.get(module);
    if (!target || !source) fail(`forwarding ${name} -> ${module}: contract missing`);
    // The module runs on the target's storage: one variable at another slot would corrupt it.
    // A second, analysis-only compilation gives the layouts (no code is generated for it, and
    // the artifacts' settings stay those of the bytecode).
    const layoutInput = {
      language: 'Solidity',
      sources,
      settings: { ...SETTINGS, outputSelection: { [target.sourceName]: { [name]: ['storageLayout'] }, [source.sourceName]: { [module]: ['storageLayout'] } } },
    };
    const layoutOut = JSON.parse(solc.compile(JSON.stringify(layoutInput), { import: findImports }));
    const layout = (unit, n) =>
      JSON.stringify(layoutOut.contracts[unit][n].storageLayout.storage.map((v) => [v.label, v.slot, v.offset, v.type]));
    if (layout(target.sourceName, name) !== layout(source.sourceName, module)) {
      fail(`${module}'s storage layout differs from ${name}'s`);
    }
    const key = (e) => `${e.type} ${e.name || ''}(${(e.inputs || []).map((i) => i.type).join(',')})`;
    const seen = new Set(target.abi.map(key));
    for (const entry of source.abi) {
      if (entry.type === 'constructor' || seen.has(key(entry))) continue;
      target.abi.push(entry);
      seen.add(key(entry));
    }
    target.abi = JSON.parse(JSON.stringify(target.abi).split(`"struct ${base}.`).join(`"struct ${name}.`));
  }

  fs.mkdirSync(OUT, { recursive: true });
  // Remove artifacts of contracts that no longer exist, so CI's diff sees deletions too.
  for (const f of fs.readdirSync(OUT)) {
    if (f.endsWith('.json') && !artifacts.has(f.slice(0, -5))) fs.unlinkSync(path.join(OUT, f));
  }
  for (const [name, artifact] of artifacts) {
    fs.writeFileSync(path.join(OUT, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
  }
  process.stdout.write(`compiled ${artifacts.size} contract(s) with solc ${version}\n`);
}

/// Compiles the single source on stdin (see the header); used by tests, writes no files.
function compileStdin() {
  const content = fs.readFileSync(0, 'utf8');
  const input = {
    language: 'Solidity',
    sources: { 'Generated.sol': { content } },
    settings: SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length > 0) fail(errors.map((e) => e.formattedMessage).join('\n'));
  const out = {};
  for (const [name, c] of Object.entries(output.contracts['Generated.sol'] || {})) {
    out[name] = {
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
  }
  process.stdout.write(JSON.stringify(out));
}

module.exports = { SETTINGS, SOLC_VERSION, compileStdin };

if (require.main === module) main();
