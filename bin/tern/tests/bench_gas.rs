//! `tern bench gas` through the real binary at the test capacity (8): the JSON object has the
//! figures and one entry per state-changing function of the rollup's ABI; a second run reads
//! the keys it cached with `--keys` instead of running the setup again, and measures the same
//! gas.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn bench(keys: &Path) -> (Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["bench", "gas", "--capacity", "8", "--json", "--keys"])
        .arg(keys)
        .output()
        .expect("run tern");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "tern bench gas failed: {stderr}");
    let json = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    (json, stderr)
}

#[test]
fn bench_gas_json_at_capacity_8() {
    let keys = std::env::temp_dir().join(format!("tern-bench-gas-test-{}", std::process::id()));
    let (report, stderr) = bench(&keys);
    assert!(stderr.contains("dev setup"), "the first run sets up: {stderr}");
    let number = |key: &str| match report.get(key) {
        Some(Value::Number(n)) => n.as_f64().expect("a number"),
        other => panic!("{key}: {other:?} in {report:#}"),
    };
    assert_eq!(number("capacity"), 8.0);
    assert_eq!(number("transfers"), 8.0);
    assert_eq!(number("bytes_per_transfer"), 13.0);
    let verify = number("verify_gas");
    assert!((150_000.0..=250_000.0).contains(&verify), "verify_gas {verify}");
    let per_transfer = number("gas_per_transfer");
    let one_call = number("commitProveExecute");
    assert!((per_transfer - one_call / 8.0).abs() < 1e-6, "{per_transfer} vs {one_call} / 8");
    assert!(number("gas_per_transfer_eip7623") >= per_transfer);
    let three_calls = number("commitBlocks") + number("proveBlocks") + number("executeBlocks");
    let separate = number("gas_per_transfer_three_calls");
    assert!((separate - three_calls / 8.0).abs() < 1e-6, "{separate} vs {three_calls} / 8");
    assert!(number("gas_per_transfer_three_calls_eip7623") >= separate);
    // One transaction saves at least the two others' intrinsic gas.
    assert!(one_call + 42_000.0 <= three_calls, "{one_call} vs {three_calls}");
    assert!(one_call > verify, "commitProveExecute includes the verification");
    // Every state-changing function of the rollup's ABI has its gas in the report.
    let abi: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts/out/Rollup.json"),
        )
        .expect("the committed Rollup artifact"),
    )
    .expect("JSON");
    let functions: Vec<&str> = abi["abi"]
        .as_array()
        .expect("an ABI array")
        .iter()
        .filter(|item| item["type"] == "function")
        .filter(|item| item["stateMutability"] != "view" && item["stateMutability"] != "pure")
        .map(|item| item["name"].as_str().expect("a name"))
        .collect();
    assert!(functions.len() >= 20, "{functions:?}");
    for function in
        functions.iter().copied().chain(["verifyProof", "withdrawPendingBalance(ERC-20)"])
    {
        let gas = number(function);
        assert!(gas > 21_000.0 || function == "verifyProof", "{function}: {gas}");
    }
    assert!(number("proveBlocks") > verify, "proveBlocks includes the verification");

    let (again, stderr) = bench(&keys);
    assert!(stderr.contains("reading the cached dev keys"), "the second run reads: {stderr}");
    assert!(!stderr.contains("dev setup"), "and does not set up: {stderr}");
    for key in ["commitProveExecute", "commitBlocks", "proveBlocks", "executeBlocks", "verify_gas"]
    {
        assert_eq!(again[key], report[key], "{key} is deterministic");
    }
    let _ = std::fs::remove_dir_all(&keys);
}
