-- ERC-20 metadata the watcher reads from the token contract when it sees the listing: the
-- symbol (checked: 1 to 16 ASCII letters, digits, '.', '-' or '_') and the decimals, each NULL
-- when the contract does not answer them. docs/spec/storage.md.

ALTER TABLE tokens ADD COLUMN symbol TEXT;
ALTER TABLE tokens ADD COLUMN decimals BIGINT;
