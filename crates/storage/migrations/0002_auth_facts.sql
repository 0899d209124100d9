-- On-chain ChangePubKey authorisations (`setAuthPubkeyHash`), as the watcher saw them: one row
-- per (owner, nonce), the latest fact set. `reset_requested` is 1 once the owner asked to
-- replace it (`FactAuthResetRequested`): the node then stops relying on it, since the owner
-- may replace it before the block that uses it is committed. docs/spec/storage.md.

CREATE TABLE auth_facts (
    owner BYTEA NOT NULL,
    nonce BIGINT NOT NULL,
    pubkey_hash BYTEA NOT NULL,
    reset_requested BIGINT NOT NULL,
    l1_block BIGINT NOT NULL,
    PRIMARY KEY (owner, nonce)
);
