// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {IGroth16Verifier, IERC20, INftFactory} from "./Interfaces.sol";
import {RollupBase} from "./RollupBase.sol";
import {RollupExodus} from "./RollupExodus.sol";
import {NftFactory} from "./NftFactory.sol";

/// @title Tern rollup: the L1 side of the zk-rollup
/// @notice Holds every deposited asset; queues L1 requests (deposits, full exits) with a
///         deadline; accepts blocks in three steps (commit, prove, execute); credits L2
///         withdrawals to pending balances that owners claim; and, if a request expires unserved,
///         freezes into exodus mode where every account exits with a proof against the last
///         executed state root. What a proof means and where funds go is fixed at deployment:
///         the verifiers, the exit verifiers and the default NFT factory have no setter.
///         Functions it does not implement run in `RollupExodus` (its fallback), on this
///         contract's storage. `docs/spec/contracts.md` documents every function, event and
///         error; the byte formats are `docs/spec/pubdata.md` and `docs/spec/commitment.md`;
///         the trust model is `docs/security.md`.
contract Rollup is RollupBase {
    /// A committed block's timestamp may lag the L1 clock by at most this much ...
    uint256 internal constant COMMIT_TIMESTAMP_MAX_AGE = 1 days;
    /// ... and lead it by at most this much.
    uint256 internal constant COMMIT_TIMESTAMP_MAX_LEAD = 15 minutes;

    /// Bounds of `priorityExpiration`. Below a day a short operator outage (an L1 gas spike, a
    /// slow proof) would freeze the rollup for good, and an expiration of 0 would let anyone
    /// freeze it with one deposit; beyond 30 days a censored user waits too long for exodus
    /// (and the deadline `block.timestamp + expiration` stays far from overflowing uint64).
    uint64 public constant MIN_PRIORITY_EXPIRATION = 1 days;
    uint64 public constant MAX_PRIORITY_EXPIRATION = 30 days;

    /// Seconds a priority request may wait before exodus can be triggered.
    uint64 public immutable priorityExpiration;
    bytes32 internal immutable domainSeparator;
    /// The code that runs the functions this contract forwards (`RollupExodus`), deployed by
    /// the constructor.
    address public immutable exodusModule;

    /// @param governor_ lists tokens, appoints validators, pauses deposits
    /// @param genesisStateRoot the state root of the empty state (block 0)
    /// @param capacities the block capacities (chunks), one circuit each
    /// @param blockVerifiers the verifier of each capacity (a Groth16Verifier for that circuit)
    /// @param exitVerifier_ verifier of token exit proofs
    /// @param nftExitVerifier_ verifier of NFT exit proofs
    /// @param priorityExpiration_ seconds before an unserved priority request expires
    constructor(
        address governor_,
        bytes32 genesisStateRoot,
        uint32[] memory capacities,
        IGroth16Verifier[] memory blockVerifiers,
        IGroth16Verifier exitVerifier_,
        IGroth16Verifier nftExitVerifier_,
        uint64 priorityExpiration_
    ) {
        if (governor_ == address(0) || address(exitVerifier_) == address(0) || address(nftExitVerifier_) == address(0)) {
            revert ZeroAddress();
        }
        if (capacities.length != blockVerifiers.length || capacities.length == 0) revert LengthMismatch();
        if (priorityExpiration_ < MIN_PRIORITY_EXPIRATION || priorityExpiration_ > MAX_PRIORITY_EXPIRATION) {
            revert PriorityExpirationOutOfRange(priorityExpiration_);
        }
        for (uint256 i = 0; i < capacities.length; ++i) {
            uint32 chunks = capacities[i];
            IGroth16Verifier v = blockVerifiers[i];
            if (address(v) == address(0)) revert ZeroAddress();
            if (chunks == 0) revert UnsupportedCapacity(0);
            if (address(verifiers[chunks]) != address(0)) revert VerifierAlreadySet(chunks);
            verifiers[chunks] = v;
            blockKeyHashes[chunks] = _keyHash(abi.encodePacked("tern-block-", _decimal(chunks)), v);
            emit VerifierSet(chunks, address(v));
        }
        exitVerifier = exitVerifier_;
        nftExitVerifier = nftExitVerifier_;
        exitKeyHash = _keyHash("tern-exit", exitVerifier_);
        nftExitKeyHash = _keyHash("tern-exit-nft", nftExitVerifier_);
        governor = governor_;
        priorityExpiration = priorityExpiration_;
        totalTokens = 1; // ETH
        StoredBlockInfo memory genesis;
        genesis.stateRoot = genesisStateRoot;
        storedBlockHashes[0] = hashStoredBlockInfo(genesis);
        lastExecutedStateRoot = genesisStateRoot;
        bytes32 separator = keccak256(
            abi.encode(EIP712_DOMAIN_TYPEHASH, keccak256("Tern"), keccak256("1"), block.chainid, address(this))
        );
        domainSeparator = separator;
        // Both made here, so their code is known: the default factory mints only for this
        // rollup, and the module runs on this rollup's storage.
        nftFactory = INftFactory(address(new NftFactory(address(this))));
        exodusModule = address(new RollupExodus(separator));
        emit NftFactorySet(address(nftFactory));
        emit NftExitVerifierSet(address(nftExitVerifier_));
        emit GovernorChanged(governor_);
        emit BlockExecuted(0, genesisStateRoot);
    }

    /// keccak256(circuit id ‖ the verifier's 18 key words): ties a verifier to the circuit it is
    /// deployed for (docs/spec/contracts.md, "Verifying keys"). Reverts if `v` has no
    /// `verifyingKey()`.
    function _keyHash(bytes memory circuitId, IGroth16Verifier v) internal view returns (bytes32) {
        return keccak256(abi.encodePacked(circuitId, v.verifyingKey()));
    }

    function _decimal(uint256 x) internal pure returns (bytes memory out) {
        if (x == 0) return "0";
        uint256 len;
        for (uint256 y = x; y != 0; y /= 10) ++len;
        out = new bytes(len);
        for (; x != 0; x /= 10) out[--len] = bytes1(uint8(48 + x % 10));
    }

    /// Runs every other function in `RollupExodus` on this contract's storage.
    fallback() external {
        address module = exodusModule;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    modifier onlyGovernor() {
        if (msg.sender != governor) revert NotGovernor();
        _;
    }

    modifier onlyValidator() {
        if (!validators[msg.sender]) revert NotValidator();
        _;
    }

    // ------------------------------------------------------------------------------------
    // Governance: list tokens, pause deposits, appoint validators, hand over the role
    // ------------------------------------------------------------------------------------

    /// Names the next governor; it takes over when it calls `acceptGovernance`, so the role
    /// cannot be handed to a mistyped address. Address 0 withdraws the proposal.
    function proposeGovernor(address newGovernor) external onlyGovernor {
        pendingGovernor = newGovernor;
        emit GovernorProposed(newGovernor);
    }

    function acceptGovernance() external {
        if (msg.sender != pendingGovernor || msg.sender == address(0)) revert NotPendingGovernor();
        governor = msg.sender;
        pendingGovernor = address(0);
        emit GovernorChanged(msg.sender);
    }

    function setValidator(address validator, bool active) external onlyGovernor {
        validators[validator] = active;
        emit ValidatorSet(validator, active);
    }

    /// Lists an ERC-20 under the next token id (1, 2, …; at most 1023).
    function addToken(address token) external onlyGovernor returns (uint16 id) {
        if (token == address(0)) revert ZeroAddress();
        if (tokenIdPlusOne[token] != 0) revert TokenAlreadyListed(token);
        id = totalTokens;
        if (id >= MAX_TOKENS) revert TooManyTokens();
        totalTokens = id + 1;
        tokenAddresses[id] = token;
        tokenIdPlusOne[token] = id + 1;
        emit TokenAdded(id, token);
    }

    /// Pauses or resumes deposits of one token. Nothing else: withdrawals, full exits and
    /// exodus never pause.
    function setDepositsPaused(uint16 id, bool paused) external onlyGovernor {
        if (id >= totalTokens) revert UnknownTokenId(id);
        depositsPaused[id] = paused;
        emit DepositPauseSet(id, paused);
    }

    /// The token id of a listed ERC-20 (ETH: address 0 → 0).
    function tokenIdOf(address token) public view returns (uint16) {
        if (token == address(0)) return 0;
        uint16 idPlusOne = tokenIdPlusOne[token];
        if (idPlusOne == 0) revert TokenNotListed(token);
        return idPlusOne - 1;
    }

    // ------------------------------------------------------------------------------------
    // Priority queue: deposits and full exits
    // ------------------------------------------------------------------------------------

    /// Deposits msg.value wei of ETH to `to`'s L2 account (created if needed).
    function depositETH(address to) external payable notExodus {
        _deposit(0, msg.value, to);
    }

    /// Deposits a listed ERC-20. The amount credited is what the contract actually received
    /// (its balance delta), so fee-on-transfer tokens are credited correctly.
    function depositERC20(address token, uint128 amount, address to) external notExodus nonReentrant {
        uint16 id = tokenIdOf(token);
        if (id == 0) revert TokenNotListed(token);
        if (depositsPaused[id]) revert DepositsPaused(id);
        if (amount == 0) revert ZeroAmount();
        uint256 before = IERC20(token).balanceOf(address(this));
        // A balance below what is owed means the token rebased down: crediting new deposits
        // would promise more than the contract can pay out, so they are refused.
        uint256 owed = tokenReserves[id];
        if (before < owed) revert TokenBalanceShrank(token, owed, before);
        _safeTransferFrom(token, msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received == 0) revert NothingReceived(token);
        _deposit(id, received, to);
    }

    /// Queues a deposit of `amount` and adds it to what the rollup owes of the token, which
    /// may not exceed 2^128 - 1: the L2 balances of a token never sum to more than what is
    /// outstanding, so none can overflow.
    function _deposit(uint16 id, uint256 amount, address to) internal {
        if (to == address(0)) revert ZeroAddress();
        if (depositsPaused[id]) revert DepositsPaused(id);
        if (amount == 0) revert ZeroAmount();
        uint256 outstanding = tokenReserves[id] + amount;
        if (outstanding > type(uint128).max) revert DepositCapExceeded(id);
        tokenReserves[id] = outstanding;
        _enqueue(OP_DEPOSIT, abi.encodePacked(OP_DEPOSIT, id, uint128(amount), to));
    }

    /// Asks the operator to withdraw all of `tokenId` from account `accountId` to msg.sender, if
    /// msg.sender owns it (otherwise the block withdraws 0). Served even if the operator
    /// censors the account: an unserved request expires and freezes the rollup.
    function requestFullExit(uint32 accountId, uint16 tokenId) external notExodus {
        if (accountId > MAX_ACCOUNT_ID) revert AccountIdOutOfRange(accountId);
        if (tokenId >= totalTokens) revert UnknownTokenId(tokenId);
        _enqueue(OP_FULL_EXIT, abi.encodePacked(OP_FULL_EXIT, accountId, msg.sender, tokenId));
    }

    /// As `requestFullExit`, for NFT `nftId` held by `accountId`.
    function requestFullExitNFT(uint32 accountId, uint32 nftId) external notExodus {
        if (accountId > MAX_ACCOUNT_ID) revert AccountIdOutOfRange(accountId);
        if (nftId > MAX_NFT_ID) revert NftIdOutOfRange(nftId);
        _enqueue(OP_FULL_EXIT_NFT, abi.encodePacked(OP_FULL_EXIT_NFT, accountId, msg.sender, nftId));
    }

    function _enqueue(uint8 opType, bytes memory data) internal {
        uint64 id = firstPriorityRequestId + totalOpenPriorityRequests;
        uint64 expiration = uint64(block.timestamp) + priorityExpiration;
        priorityRequests[id] = PriorityRequest({hashedData: keccak256(data), expiration: expiration, opType: opType});
        totalOpenPriorityRequests += 1;
        emit NewPriorityRequest(msg.sender, id, opType, data, expiration);
    }

    // ------------------------------------------------------------------------------------
    // Blocks: commit, prove, execute, revert
    // ------------------------------------------------------------------------------------

    /// Commits `newBlocks` on top of `lastCommitted` (the last committed block's stored info).
    function commitBlocks(StoredBlockInfo calldata lastCommitted, CommitBlockInfo[] calldata newBlocks)
        external
        onlyValidator
        notExodus
    {
        uint64 number = totalBlocksCommitted;
        if (storedBlockHashes[number] != hashStoredBlockInfo(lastCommitted)) {
            revert StoredBlockMismatch(number);
        }
        StoredBlockInfo memory prev = lastCommitted;
        uint64 nextPriority = firstPriorityRequestId + totalCommittedPriorityRequests;
        for (uint256 i = 0; i < newBlocks.length; ++i) {
            prev = _commitOne(prev, newBlocks[i], nextPriority);
            nextPriority += prev.priorityOperations;
        }
        totalBlocksCommitted = prev.blockNumber;
        totalCommittedPriorityRequests = nextPriority - firstPriorityRequestId;
    }

    /// Checks `b` on top of `prev`, stores its hash and announces it (`BlockCommit`).
    function _commitOne(StoredBlockInfo memory prev, CommitBlockInfo calldata b, uint64 nextPriority)
        internal
        returns (StoredBlockInfo memory out)
    {
        if (b.blockNumber != prev.blockNumber + 1) revert WrongBlockNumber(prev.blockNumber + 1, b.blockNumber);
        if (b.timestamp < prev.timestamp) revert TimestampBeforePrevious(prev.timestamp, b.timestamp);
        if (b.timestamp + COMMIT_TIMESTAMP_MAX_AGE < block.timestamp || b.timestamp > block.timestamp + COMMIT_TIMESTAMP_MAX_LEAD) {
            revert TimestampOutOfBounds(b.timestamp);
        }
        uint256 len = b.pubdata.length;
        if (len == 0 || len % CHUNK_BYTES != 0) revert PubdataNotChunkAligned(len);
        uint256 chunks = len / CHUNK_BYTES;
        if (chunks > type(uint32).max || address(verifiers[uint32(chunks)]) == address(0)) {
            revert UnsupportedCapacity(uint32(chunks));
        }

        Cursor memory c = Cursor({opsHash: 0, nextPriority: nextPriority, authIndex: 0});
        bytes memory bitmap = _walkOnchainOps(b, chunks, c);
        out.priorityOperations = c.nextPriority - nextPriority;
        out.pendingOnchainOpsHash = c.opsHash;
        out.blockNumber = b.blockNumber;
        out.chunks = uint32(chunks);
        out.timestamp = b.timestamp;
        out.stateRoot = b.newStateRoot;
        out.commitment = blockCommitment(
            b.blockNumber, b.feeAccount, prev.stateRoot, b.newStateRoot, b.timestamp, bitmap, b.pubdata
        );
        storedBlockHashes[out.blockNumber] = hashStoredBlockInfo(out);
        emit BlockCommit(out.blockNumber, out.stateRoot, out.commitment);
    }

    /// Visits the onchain operations at the chunks `b.onchainOps` lists and returns the onchain
    /// bitmap they make. Each must start at or after the end of the one before it
    /// (`OnchainOpsUnordered`) and lie within the pubdata (`OperationOutOfBounds`).
    function _walkOnchainOps(CommitBlockInfo calldata b, uint256 chunks, Cursor memory c)
        internal
        view
        returns (bytes memory bitmap)
    {
        bitmap = new bytes((chunks + 7) / 8);
        uint32[] calldata ops = b.onchainOps;
        uint256 next = 0;
        for (uint256 i = 0; i < ops.length; ++i) {
            uint256 chunk = ops[i];
            if (chunk < next) revert OnchainOpsUnordered(i);
            if (chunk >= chunks) revert OperationOutOfBounds(chunk);
            next = chunk + _commitOp(b, chunk, chunks, c);
            bitmap[chunk >> 3] |= bytes1(uint8(0x80 >> (chunk & 7)));
        }
        if (c.authIndex != b.changePubKeyAuth.length) revert ChangePubKeyAuthUnused(b.changePubKeyAuth.length);
    }

    /// Acts on one onchain operation at commit: priority operations must match the queue in
    /// order; ChangePubKey authorisations are checked; operations that execution acts on join
    /// the block's pending-ops hash chain.
    function _commitOp(CommitBlockInfo calldata b, uint256 chunk, uint256 chunks, Cursor memory c)
        internal
        view
        returns (uint256 opChunks)
    {
        uint256 start = chunk * CHUNK_BYTES;
        uint8 opcode = uint8(b.pubdata[start]) >> 4;
        opChunks = (opcode == OP_WITHDRAW_NFT || opcode == OP_FULL_EXIT_NFT) ? NFT_OP_CHUNKS : SMALL_OP_CHUNKS;
        if (chunk + opChunks > chunks) revert OperationOutOfBounds(chunk);
        bytes calldata op = b.pubdata[start:start + opChunks * CHUNK_BYTES];
        if (opcode == OP_DEPOSIT) {
            // Deposit: token (10 bits at 28), amount (128 at 38), address (160 at 166).
            _matchPriority(
                c.nextPriority++,
                OP_DEPOSIT,
                abi.encodePacked(
                    OP_DEPOSIT,
                    uint16(_bits(op, 28, 10)),
                    uint128(_bits(op, 38, 128)),
                    address(uint160(_bits(op, 166, 160)))
                )
            );
        } else if (opcode == OP_FULL_EXIT) {
            // FullExit: account (24 at 4), owner (160 at 28), token (10 at 188).
            _matchPriority(
                c.nextPriority++,
                OP_FULL_EXIT,
                abi.encodePacked(
                    OP_FULL_EXIT,
                    uint32(_bits(op, 4, 24)),
                    address(uint160(_bits(op, 28, 160))),
                    uint16(_bits(op, 188, 10))
                )
            );
            c.opsHash = keccak256(abi.encodePacked(c.opsHash, op));
        } else if (opcode == OP_FULL_EXIT_NFT) {
            // FullExitNFT: account (24 at 4), owner (160 at 28), nft (24 at 188).
            _matchPriority(
                c.nextPriority++,
                OP_FULL_EXIT_NFT,
                abi.encodePacked(
                    OP_FULL_EXIT_NFT,
                    uint32(_bits(op, 4, 24)),
                    address(uint160(_bits(op, 28, 160))),
                    uint32(_bits(op, 188, 24))
                )
            );
            c.opsHash = keccak256(abi.encodePacked(c.opsHash, op));
        } else if (opcode == OP_WITHDRAW || opcode == OP_FORCED_EXIT || opcode == OP_WITHDRAW_NFT) {
            c.opsHash = keccak256(abi.encodePacked(c.opsHash, op));
        } else if (opcode == OP_CHANGE_PUB_KEY) {
            if (c.authIndex >= b.changePubKeyAuth.length) revert ChangePubKeyAuthMissing(c.authIndex);
            _checkChangePubKey(op, b.changePubKeyAuth[c.authIndex], c.authIndex);
            c.authIndex += 1;
        } else {
            revert UnexpectedOnchainOp(chunk, opcode);
        }
    }

    /// The block commitment (docs/spec/commitment.md): SHA-256 over number (u64) ‖ fee account
    /// (u32) ‖ old root ‖ new root ‖ timestamp (u64) ‖ onchain bitmap ‖ pubdata, with the top
    /// three bits cleared. Byte for byte `tern_types::block::commitment`.
    function blockCommitment(
        uint64 blockNumber,
        uint32 feeAccount,
        bytes32 oldRoot,
        bytes32 newRoot,
        uint64 timestamp,
        bytes memory bitmap,
        bytes calldata pubdata
    ) public pure returns (bytes32) {
        bytes32 h = sha256(abi.encodePacked(blockNumber, feeAccount, oldRoot, newRoot, timestamp, bitmap, pubdata));
        return bytes32(uint256(h) & INPUT_MASK);
    }

    function _matchPriority(uint64 requestId, uint8 opType, bytes memory data) internal view {
        if (requestId >= firstPriorityRequestId + totalOpenPriorityRequests) revert PriorityQueueExhausted();
        PriorityRequest memory r = priorityRequests[requestId];
        if (r.opType != opType || r.hashedData != keccak256(data)) revert PriorityOpMismatch(requestId);
    }

    /// Checks the L1 authorisation of a ChangePubKey (docs/spec/crypto.md): account (24 bits at
    /// 4), pubKeyHash (160 at 28), address (160 at 188), nonce (32 at 348).
    function _checkChangePubKey(bytes calldata op, bytes calldata auth, uint256 index) internal view {
        uint32 accountId = uint32(_bits(op, 4, 24));
        bytes20 pubKeyHash = bytes20(uint160(_bits(op, 28, 160)));
        address owner = address(uint160(_bits(op, 188, 160)));
        uint32 nonce = uint32(_bits(op, 348, 32));
        if (auth.length == 0) revert ChangePubKeyAuthMalformed(index);
        uint8 kind = uint8(auth[0]);
        bool ok;
        // An owner of 0 is never authorised: `_recover` returns 0 for junk signatures, and no
        // one can record a fact as address 0.
        if (owner == address(0)) revert ChangePubKeyAuthInvalid(accountId, owner);
        if (kind == AUTH_ONCHAIN) {
            if (auth.length != 1) revert ChangePubKeyAuthMalformed(index);
            ok = pubKeyHash != bytes20(0) && authFacts[owner][nonce] == pubKeyHash;
        } else if (kind == AUTH_EIP191 || kind == AUTH_EIP712) {
            if (auth.length != 66) revert ChangePubKeyAuthMalformed(index);
            bytes32 digest;
            if (kind == AUTH_EIP191) {
                // The text names the chain and this contract, as the EIP-712 domain does, so a
                // signature for one deployment is refused by every other (docs/spec/crypto.md).
                digest = keccak256(
                    abi.encodePacked(
                        "\x19Ethereum Signed Message:\n56",
                        pubKeyHash,
                        nonce,
                        accountId,
                        uint64(block.chainid),
                        address(this)
                    )
                );
            } else {
                bytes32 structHash = keccak256(abi.encode(CHANGE_PUBKEY_TYPEHASH, pubKeyHash, nonce, accountId));
                digest = keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
            }
            address signer = _recover(digest, auth[1:66]);
            ok = signer != address(0) && signer == owner;
        } else {
            revert ChangePubKeyAuthMalformed(index);
        }
        if (!ok) revert ChangePubKeyAuthInvalid(accountId, owner);
    }

    /// Proves committed blocks in order, one Groth16 proof each, starting at the first unproven.
    function proveBlocks(StoredBlockInfo[] calldata blocks, uint256[8][] calldata proofs) external notExodus {
        if (blocks.length != proofs.length) revert LengthMismatch();
        uint64 proven = totalBlocksProven;
        for (uint256 i = 0; i < blocks.length; ++i) {
            StoredBlockInfo calldata b = blocks[i];
            proven += 1;
            if (b.blockNumber != proven) revert WrongBlockNumber(proven, b.blockNumber);
            if (proven > totalBlocksCommitted) revert BlockNotCommitted(proven);
            if (storedBlockHashes[proven] != hashStoredBlockInfo(b)) revert StoredBlockMismatch(proven);
            if (!verifiers[b.chunks].verifyProof(proofs[i], uint256(b.commitment))) revert InvalidProof(proven);
            emit BlockProven(proven);
        }
        totalBlocksProven = proven;
    }

    /// Executes proven blocks in order: credits their withdrawals and full exits to pending
    /// balances (NFTs to pending NFTs) and pops the priority requests they served.
    function executeBlocks(ExecuteBlockInfo[] calldata blocks) external notExodus {
        uint64 executed = totalBlocksExecuted;
        uint64 popped;
        for (uint256 i = 0; i < blocks.length; ++i) {
            StoredBlockInfo calldata b = blocks[i].storedBlock;
            executed += 1;
            if (b.blockNumber != executed) revert WrongBlockNumber(executed, b.blockNumber);
            if (executed > totalBlocksProven) revert BlockNotProven(executed);
            if (storedBlockHashes[executed] != hashStoredBlockInfo(b)) revert StoredBlockMismatch(executed);
            if (_executeOps(blocks[i].pendingOnchainOps) != b.pendingOnchainOpsHash) {
                revert PendingOpsMismatch(executed);
            }
            popped += b.priorityOperations;
            lastExecutedStateRoot = b.stateRoot;
            emit BlockExecuted(executed, b.stateRoot);
        }
        totalBlocksExecuted = executed;
        firstPriorityRequestId += popped;
        totalOpenPriorityRequests -= popped;
        totalCommittedPriorityRequests -= popped;
    }

    /// Commits, proves and executes `newBlock` in one transaction, for an operator that proves a
    /// block before publishing it (as Hermez and Loopring do). It saves two transactions'
    /// intrinsic gas and the block checks that proving and executing repeat. Every committed
    /// block must already be executed (`BlocksInFlight`). The rules are those of `commitBlocks`,
    /// `proveBlocks` and `executeBlocks`, and the node sees the same three events.
    function commitProveExecute(
        StoredBlockInfo calldata lastCommitted,
        CommitBlockInfo calldata newBlock,
        uint256[8] calldata proof,
        bytes[] calldata pendingOnchainOps
    ) external onlyValidator notExodus {
        uint64 number = totalBlocksCommitted;
        if (totalBlocksExecuted != number) revert BlocksInFlight(number, totalBlocksExecuted);
        if (storedBlockHashes[number] != hashStoredBlockInfo(lastCommitted)) revert StoredBlockMismatch(number);
        // Nothing is committed beyond the executed blocks, so no open request is served yet.
        StoredBlockInfo memory b = _commitOne(lastCommitted, newBlock, firstPriorityRequestId);
        number = b.blockNumber;
        if (!verifiers[b.chunks].verifyProof(proof, uint256(b.commitment))) revert InvalidProof(number);
        emit BlockProven(number);
        if (_executeOps(pendingOnchainOps) != b.pendingOnchainOpsHash) revert PendingOpsMismatch(number);
        lastExecutedStateRoot = b.stateRoot;
        emit BlockExecuted(number, b.stateRoot);
        totalBlocksCommitted = number;
        totalBlocksProven = number;
        totalBlocksExecuted = number;
        firstPriorityRequestId += b.priorityOperations;
        totalOpenPriorityRequests -= b.priorityOperations;
    }

    /// Executes a block's pending onchain operations and returns their hash chain, which the
    /// caller checks against the one the commit stored.
    function _executeOps(bytes[] calldata ops) internal returns (bytes32 opsHash) {
        for (uint256 j = 0; j < ops.length; ++j) {
            opsHash = keccak256(abi.encodePacked(opsHash, ops[j]));
            _executeOp(ops[j]);
        }
    }

    function _executeOp(bytes calldata op) internal {
        uint8 opcode = uint8(op[0]) >> 4;
        if (opcode == OP_WITHDRAW) {
            // token (10 at 28), amount (128 at 38), to (160 at 178)
            _credit(address(uint160(_bits(op, 178, 160))), uint16(_bits(op, 28, 10)), uint128(_bits(op, 38, 128)));
        } else if (opcode == OP_FORCED_EXIT) {
            // token (10 at 52), amount (128 at 62), target address (160 at 202)
            _credit(address(uint160(_bits(op, 202, 160))), uint16(_bits(op, 52, 10)), uint128(_bits(op, 62, 128)));
        } else if (opcode == OP_FULL_EXIT) {
            // owner (160 at 28), token (10 at 188), amount (128 at 198)
            _credit(address(uint160(_bits(op, 28, 160))), uint16(_bits(op, 188, 10)), uint128(_bits(op, 198, 128)));
        } else if (opcode == OP_WITHDRAW_NFT) {
            // nft (24 at 28), to (160 at 52), creator id (24 at 234), creator (160 at 258),
            // serial (32 at 418), content hash (256 at 450)
            _creditNft(
                uint32(_bits(op, 28, 24)),
                PendingNft({
                    owner: address(uint160(_bits(op, 52, 160))),
                    creatorId: uint32(_bits(op, 234, 24)),
                    creatorAddress: address(uint160(_bits(op, 258, 160))),
                    serial: uint32(_bits(op, 418, 32)),
                    contentHash: _bits256(op, 450)
                })
            );
        } else if (opcode == OP_FULL_EXIT_NFT) {
            // owner (160 at 28), nft (24 at 188), creator id (24 at 212), creator (160 at 236),
            // serial (32 at 396), content hash (256 at 428), success (1 at 684): the circuit sets
            // the flag iff the requester owned the NFT and it left L2. Only the flag decides: an
            // NFT's identity fields may legitimately be zero.
            if (_bits(op, 684, 1) != 0) {
                _creditNft(
                    uint32(_bits(op, 188, 24)),
                    PendingNft({
                        owner: address(uint160(_bits(op, 28, 160))),
                        creatorId: uint32(_bits(op, 212, 24)),
                        creatorAddress: address(uint160(_bits(op, 236, 160))),
                        serial: uint32(_bits(op, 396, 32)),
                        contentHash: _bits256(op, 428)
                    })
                );
            }
        }
    }

    /// Reverts the last committed blocks, newest first, down to (excluding) the last proven.
    function revertBlocks(StoredBlockInfo[] calldata blocks) external onlyValidator notExodus {
        uint64 committed = totalBlocksCommitted;
        uint64 unserved;
        for (uint256 i = 0; i < blocks.length; ++i) {
            StoredBlockInfo calldata b = blocks[i];
            if (b.blockNumber != committed) revert WrongBlockNumber(committed, b.blockNumber);
            if (committed <= totalBlocksProven) revert BlockAlreadyProven(committed);
            if (storedBlockHashes[committed] != hashStoredBlockInfo(b)) revert StoredBlockMismatch(committed);
            delete storedBlockHashes[committed];
            unserved += b.priorityOperations;
            committed -= 1;
        }
        totalBlocksCommitted = committed;
        totalCommittedPriorityRequests -= unserved;
        emit BlocksRevert(totalBlocksExecuted, committed);
    }

    // ------------------------------------------------------------------------------------
    // Withdrawals
    // ------------------------------------------------------------------------------------

    /// Pays `amount` of `tokenId` from `owner`'s pending balance to `owner`. Anyone may call it;
    /// the funds always go to the owner.
    function withdrawPendingBalance(address payable owner, uint16 tokenId, uint128 amount) external nonReentrant {
        _payOut(owner, owner, tokenId, amount);
    }

    /// Pays `amount` of `tokenId` from the caller's pending balance to `to`: an owner that
    /// cannot receive the payment itself (a contract that refuses ETH, a blacklisted token
    /// holder) sends it elsewhere.
    function withdrawPendingBalanceTo(uint16 tokenId, uint128 amount, address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        _payOut(msg.sender, to, tokenId, amount);
    }

    function _payOut(address owner, address payable to, uint16 tokenId, uint128 amount) internal {
        uint128 available = pendingBalances[owner][tokenId];
        if (amount == 0) revert ZeroAmount();
        if (amount > available) revert InsufficientPendingBalance(available, amount);
        pendingBalances[owner][tokenId] = available - amount;
        tokenReserves[tokenId] -= amount;
        if (tokenId == 0) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert EthTransferFailed();
        } else {
            _safeTransfer(tokenAddresses[tokenId], to, amount);
        }
        emit Withdrawal(owner, tokenId, amount);
    }

    // ------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------

    function hashStoredBlockInfo(StoredBlockInfo memory b) public pure returns (bytes32) {
        return keccak256(abi.encode(b));
    }

    /// The 256-bit field at bit `offset` of `data` (spans two words when unaligned).
    function _bits256(bytes calldata data, uint256 offset) internal pure returns (bytes32 v) {
        assembly ("memory-safe") {
            let at := add(data.offset, shr(3, offset))
            let s := and(offset, 7)
            v := calldataload(at)
            if s { v := or(shl(s, v), shr(sub(256, s), calldataload(add(at, 32)))) }
        }
    }

    function _safeTransferFrom(address token, address from, address to, uint256 amount) internal {
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20.transferFrom, (from, to, amount)));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool))) || (ret.length == 0 && token.code.length == 0)) {
            revert TokenTransferFailed(token);
        }
    }

    function _safeTransfer(address token, address to, uint256 amount) internal {
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IERC20.transfer, (to, amount)));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool))) || (ret.length == 0 && token.code.length == 0)) {
            revert TokenTransferFailed(token);
        }
    }
}
