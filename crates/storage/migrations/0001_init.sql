-- Tern storage schema, version 1. The same SQL runs on SQLite and PostgreSQL: integers are
-- BIGINT, u128 amounts are decimal TEXT, hashes and encodings are BYTEA (a BLOB in SQLite),
-- flags and enums are BIGINT codes. docs/spec/storage.md describes every table.

CREATE TABLE chain_meta (
    id BIGINT PRIMARY KEY,
    chain_id BIGINT NOT NULL,
    contract BYTEA NOT NULL,
    deploy_block BIGINT NOT NULL,
    genesis_root BYTEA NOT NULL
);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('mempool_seq', 0);
INSERT INTO counters (name, value) VALUES ('l1_op_id', 0);
INSERT INTO counters (name, value) VALUES ('l1_attempt_seq', 0);

CREATE TABLE blocks (
    number BIGINT PRIMARY KEY,
    fee_account BIGINT NOT NULL,
    block_timestamp BIGINT NOT NULL,
    old_root BYTEA NOT NULL,
    new_root BYTEA NOT NULL,
    capacity BIGINT NOT NULL,
    op_count BIGINT NOT NULL,
    pubdata BYTEA NOT NULL,
    cpk_auth BYTEA NOT NULL,
    next_nft_id BIGINT NOT NULL,
    sealed_at BIGINT NOT NULL,
    stage BIGINT NOT NULL,
    commit_tx BYTEA,
    prove_tx BYTEA,
    execute_tx BYTEA
);

CREATE TABLE mempool_items (
    seq BIGINT PRIMARY KEY,
    batch BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    queued BIGINT NOT NULL
);
CREATE INDEX mempool_items_queued ON mempool_items (queued, seq);

CREATE TABLE txs (
    hash BYTEA PRIMARY KEY,
    item_seq BIGINT NOT NULL REFERENCES mempool_items (seq),
    pos BIGINT NOT NULL,
    tx BYTEA NOT NULL,
    account_id BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    status BIGINT NOT NULL,
    block BIGINT,
    op_index BIGINT,
    reason TEXT
);
CREATE INDEX txs_item ON txs (item_seq, pos);
CREATE INDEX txs_account ON txs (account_id, item_seq);

CREATE TABLE priority_ops (
    serial_id BIGINT PRIMARY KEY,
    kind BIGINT NOT NULL,
    token BIGINT,
    amount TEXT,
    address BYTEA NOT NULL,
    account_id BIGINT,
    nft_id BIGINT,
    expiration BIGINT NOT NULL,
    l1_block BIGINT NOT NULL,
    l1_tx BYTEA NOT NULL,
    processed_in BIGINT REFERENCES blocks (number)
);
CREATE INDEX priority_ops_processed ON priority_ops (processed_in, serial_id);

CREATE TABLE account_versions (
    account_id BIGINT NOT NULL,
    block BIGINT NOT NULL,
    address BYTEA NOT NULL,
    pubkey_hash BYTEA NOT NULL,
    nonce BIGINT NOT NULL,
    nfts_minted BIGINT NOT NULL,
    PRIMARY KEY (account_id, block)
);

CREATE TABLE balance_versions (
    account_id BIGINT NOT NULL,
    token BIGINT NOT NULL,
    block BIGINT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (account_id, token, block)
);

CREATE TABLE nft_versions (
    nft_id BIGINT NOT NULL,
    block BIGINT NOT NULL,
    present BIGINT NOT NULL,
    owner BIGINT,
    creator_id BIGINT,
    creator_address BYTEA,
    serial BIGINT,
    content_hash BYTEA,
    PRIMARY KEY (nft_id, block)
);

CREATE TABLE prover_jobs (
    block BIGINT PRIMARY KEY REFERENCES blocks (number),
    status BIGINT NOT NULL,
    worker TEXT,
    deadline BIGINT,
    attempts BIGINT NOT NULL,
    reason TEXT,
    proof BYTEA
);
CREATE INDEX prover_jobs_status ON prover_jobs (status, block);

CREATE TABLE l1_ops (
    id BIGINT PRIMARY KEY,
    kind BIGINT NOT NULL,
    first_block BIGINT NOT NULL,
    last_block BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    status BIGINT NOT NULL,
    confirmed_tx BYTEA,
    confirmed_block BIGINT,
    reason TEXT
);

CREATE TABLE l1_attempts (
    hash BYTEA PRIMARY KEY,
    op_id BIGINT NOT NULL REFERENCES l1_ops (id),
    seq BIGINT NOT NULL,
    raw BYTEA NOT NULL,
    max_fee TEXT NOT NULL,
    priority_fee TEXT NOT NULL,
    signed_at_block BIGINT NOT NULL,
    broadcast BIGINT NOT NULL
);
CREATE INDEX l1_attempts_op ON l1_attempts (op_id, seq);

CREATE TABLE l1_cursor (
    id BIGINT PRIMARY KEY,
    number BIGINT NOT NULL,
    hash BYTEA NOT NULL
);

CREATE TABLE l1_block_hashes (
    number BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

CREATE TABLE tokens (
    id BIGINT PRIMARY KEY,
    address BYTEA NOT NULL,
    l1_block BIGINT NOT NULL
);
