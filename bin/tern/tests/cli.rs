//! The `tern` binary against circomlibjs's vectors: what a user types is what is checked.

use serde_json::Value;
use std::process::{Command, Output};

fn tern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tern")).args(args).output().expect("run tern")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn vectors(name: &str) -> Value {
    let path = format!("{}/../../crates/primitives/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("json")
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string field")
}

#[test]
fn poseidon_matches_every_vector() {
    for v in vectors("poseidon.json")["vectors"].as_array().expect("vectors") {
        let inputs: Vec<&str> = v["inputs"].as_array().expect("inputs").iter().map(s).collect();
        let mut args = vec!["crypto", "poseidon"];
        args.extend(&inputs);
        let out = tern(&args);
        assert!(out.status.success(), "{inputs:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(stdout(&out), s(&v["hash"]), "{inputs:?}");
    }
}

#[test]
fn sign_and_verify_match_every_vector() {
    for v in vectors("eddsa_poseidon.json")["vectors"].as_array().expect("vectors") {
        let (pk, msg, sig) =
            (s(&v["public_key_packed"]), s(&v["message"]), s(&v["signature_packed"]));
        let valid = v["valid"].as_bool().expect("valid flag");
        let out = tern(&["crypto", "verify", "--pubkey", pk, "--msg", msg, "--sig", sig]);
        if valid {
            assert_eq!(stdout(&out), "valid");
            assert_eq!(out.status.code(), Some(0));
        } else {
            assert_eq!(stdout(&out), "invalid");
            assert_eq!(out.status.code(), Some(1));
        }
        if let Some(key) = v.get("private_key").and_then(Value::as_str) {
            let out = tern(&["crypto", "sign", "--key", key, "--msg", msg]);
            assert!(out.status.success());
            if valid {
                assert_eq!(stdout(&out), sig, "signature for message {msg}");
            }
        }
    }
}

#[test]
fn keygen_is_deterministic_with_a_seed_and_signs_verifiably() {
    let a = stdout(&tern(&["crypto", "keygen", "--seed", "0x0102"]));
    let b = stdout(&tern(&["crypto", "keygen", "--seed", "0102"]));
    assert_eq!(a, b);
    let field = |name: &str| {
        a.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("{name} in {a}"))
            .to_string()
    };
    let (key, pubkey) = (field("private_key"), field("public_key"));
    let sig = stdout(&tern(&["crypto", "sign", "--key", &key, "--msg", "42"]));
    let ok = tern(&["crypto", "verify", "--pubkey", &pubkey, "--msg", "42", "--sig", &sig]);
    assert_eq!((stdout(&ok).as_str(), ok.status.code()), ("valid", Some(0)));
    let bad = tern(&["crypto", "verify", "--pubkey", &pubkey, "--msg", "43", "--sig", &sig]);
    assert_eq!((stdout(&bad).as_str(), bad.status.code()), ("invalid", Some(1)));
    let random = stdout(&tern(&["crypto", "keygen"]));
    assert_ne!(random, a);
}

#[test]
fn malformed_input_is_a_clear_error() {
    let out = tern(&["crypto", "poseidon", "12x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a decimal field element"));
    // The field modulus itself is not a field element.
    let p = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    assert_eq!(tern(&["crypto", "poseidon", p]).status.code(), Some(2));
    assert_eq!(tern(&["crypto", "sign", "--key", "0x1234", "--msg", "1"]).status.code(), Some(2));
}

/// `tern crypto verify`: input that is not well formed is a usage error (exit 2) naming what is
/// malformed, and prints no verdict; only a well-formed signature that fails is `invalid`.
#[test]
fn verify_refuses_malformed_input_as_a_usage_error() {
    let v = &vectors("eddsa_poseidon.json")["vectors"][0];
    let (pk, msg, sig) = (s(&v["public_key_packed"]), s(&v["message"]), s(&v["signature_packed"]));
    let not_a_point = format!("0x{}", "ff".repeat(32));
    for (args, what) in [
        ([not_a_point.as_str(), msg, sig], "public key"),
        (["0x1234", msg, sig], "public key"),
        ([pk, "12x", sig], "message"),
        ([pk, msg, "0x00"], "signature"),
        ([pk, msg, "not hex"], "signature"),
    ] {
        let out =
            tern(&["crypto", "verify", "--pubkey", args[0], "--msg", args[1], "--sig", args[2]]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("malformed {what}")), "{args:?}: {stderr}");
        assert_eq!(stdout(&out), "", "no verdict for malformed input");
    }
    // Well formed, wrong message: a verdict.
    let out = tern(&["crypto", "verify", "--pubkey", pk, "--msg", "12345", "--sig", sig]);
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("invalid", Some(1)));
}

/// Capacities outside what a block circuit has are refused with the allowed range, before any
/// work and without printing figures.
#[test]
fn capacities_out_of_range_are_refused_with_the_range() {
    for args in [
        &["circuit", "stats", "--capacity", "0"][..],
        &["circuit", "stats", "--capacity", "121", "--json"],
        &["bench", "gas", "--capacity", "0"],
        &["bench", "gas", "--capacity", "121", "--json"],
        &["bench", "gas", "--capacity", "100000"],
    ] {
        let out = tern(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("1 to 120"), "{args:?} names the range: {stderr}");
        assert_eq!(stdout(&out), "", "{args:?} prints no figures");
    }
}

/// `tern demo --json` prints the blocks as `docs/spec/vectors/blocks.json` does (its first
/// blocks are the demo's), and
/// `tern spec vectors` writes exactly the committed fixtures.
#[test]
fn demo_json_and_spec_vectors_match_the_committed_fixtures() {
    let out = tern(&["demo", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let committed_dir = format!("{}/../../docs/spec/vectors", env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| {
        std::fs::read_to_string(format!("{committed_dir}/{name}")).expect("committed fixture")
    };
    let blocks: Value = serde_json::from_str(&read("blocks.json")).expect("JSON");
    // blocks.json is the demo's blocks followed by a block of rejections.
    let printed = printed.as_array().expect("an array of blocks");
    let committed = blocks["blocks"].as_array().expect("blocks");
    assert_eq!(printed.len(), 3);
    assert_eq!(printed[..], committed[..printed.len()]);

    let dir = std::env::temp_dir().join(format!("tern-spec-vectors-{}", std::process::id()));
    let out = tern(&["spec", "vectors", "--out", dir.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .expect("out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["blocks.json", "exit.json", "floats.json", "pubdata.json", "transactions.json"]
    );
    for name in &written {
        let text = std::fs::read_to_string(dir.join(name)).expect("written");
        assert!(text == read(name), "{name} differs from docs/spec/vectors/{name}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn demo_runs_every_operation() {
    let out = tern(&["demo"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    for op in [
        "Deposit",
        "ChangePubKey",
        "Transfer ",
        "TransferToNew",
        "Withdraw ",
        "ForcedExit",
        "Swap",
        "MintNFT",
        "TransferNFT",
        "WithdrawNFT",
        "FullExit ",
        "FullExitNFT",
        "Noop",
        "rejected",
    ] {
        assert!(text.contains(op), "demo output lacks {op}");
    }
}

#[test]
fn circuit_stats_json_covers_every_operation() {
    let out = tern(&["circuit", "stats", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    let int = |v: &Value| v.as_u64().expect("integer");
    assert_eq!(int(&v["capacity"]), 8, "the default is the small test capacity");
    let (total, per_chunk, per_block) =
        (int(&v["total"]), int(&v["per_chunk"]), int(&v["per_block"]));
    assert!(per_chunk > 0 && per_block > 0);
    assert_eq!(total, 8 * per_chunk + per_block);
    let per_op = v["per_op"].as_object().expect("per_op");
    for name in [
        "noop",
        "deposit",
        "transfer_to_new",
        "withdraw",
        "transfer",
        "full_exit",
        "change_pub_key",
        "forced_exit",
        "swap",
        "mint_nft",
        "transfer_nft",
        "withdraw_nft",
        "full_exit_nft",
    ] {
        let chunks = int(&v["chunks"][name]);
        assert!(chunks >= 1, "{name}");
        assert_eq!(int(&per_op[name]), chunks * per_chunk, "{name}");
    }
    assert_eq!(per_op.len(), 13);
    assert!(int(&per_op["transfer"]) > 0);

    let table = tern(&["circuit", "stats", "--capacity", "2"]);
    assert!(table.status.success());
    assert!(stdout(&table).contains("full_exit_nft"));
}

/// One INSECURE setup, one proof and its checks, at capacity 1 (proving is slow unoptimised).
#[test]
fn prover_setup_prove_verify_round_trip() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tern-cli-prover");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let keys = dir.join("keys");
    let (keys_s, proof) = (keys.to_str().expect("utf-8"), dir.join("proof.json"));
    let proof_s = proof.to_str().expect("utf-8");

    let out = tern(&["prover", "setup", "--capacity", "1", "--out", keys_s, "--seed", "7"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("INSECURE"));
    assert!(keys.join("tern-dev-INSECURE-cap1.vk").exists());

    let prove = ["prover", "prove", "--keys", keys_s, "--capacity", "1", "--out", proof_s];
    let out = tern(&[&prove[..], &["--seed", "3"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&proof).expect("proof file");
    let file: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(file["capacity"], 1);
    assert_eq!(file["block_number"], 3);
    assert_eq!(file["public_input"], file["commitment"]);
    assert!(s(&file["proof"]).starts_with("0x"));

    let verify = |path: &str| tern(&["prover", "verify", "--keys", keys_s, "--proof", path]);
    let ok = verify(proof_s);
    assert_eq!((stdout(&ok).as_str(), ok.status.code()), ("valid", Some(0)));

    // A flipped digit in the proof, or another timestamp: invalid, exit 1.
    let tampered = dir.join("tampered.json");
    let tampered_s = tampered.to_str().expect("utf-8");
    let mut bad = file.clone();
    let mut digits = s(&file["proof"]).to_string();
    let mid = digits.len() / 2;
    let flipped = if &digits[mid..=mid] == "0" { "1" } else { "0" };
    digits.replace_range(mid..=mid, flipped);
    bad["proof"] = Value::String(digits);
    std::fs::write(&tampered, bad.to_string()).expect("write");
    let out = verify(tampered_s);
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("invalid", Some(1)));
    let mut bad = file.clone();
    bad["timestamp"] = Value::from(file["timestamp"].as_u64().expect("timestamp") + 1);
    std::fs::write(&tampered, bad.to_string()).expect("write");
    let out = verify(tampered_s);
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("invalid", Some(1)));

    // No such proof file, or no such keys: a usage error, exit 2.
    let missing = dir.join("missing.json");
    assert_eq!(verify(missing.to_str().expect("utf-8")).status.code(), Some(2));
    let out =
        tern(&["prover", "verify", "--keys", dir.to_str().expect("utf-8"), "--proof", proof_s]);
    assert_eq!(out.status.code(), Some(2));
}
