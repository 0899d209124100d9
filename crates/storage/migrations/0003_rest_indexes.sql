-- The REST API (`/api/v0.2`) lists a block's transactions and counts included ones; both read
-- `txs` by block. docs/spec/storage.md.

CREATE INDEX txs_block ON txs (block, status, op_index);
