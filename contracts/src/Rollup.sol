// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {IGroth16Verifier, IERC20, INftFactory} from "./Interfaces.sol";

/// @title Tern rollup: the L1 side of the zk-rollup
/// @notice Holds every deposited asset; queues L1 requests (deposits, full exits) with a
///         deadline; accepts blocks in three steps (commit, prove, execute); credits L2
///         withdrawals to pending balances that owners claim; and, if a request expires unserved,
///         freezes into exodus mode where every account exits with a proof against the last
///         executed state root. `docs/spec/contracts.md` documents every function, event and
///         error; the byte formats are `docs/spec/pubdata.md` and `docs/spec/commitment.md`.
contract Rollup {
    // ------------------------------------------------------------------------------------
    // Protocol constants (crates/types/src/params.rs, docs/spec/pubdata.md)
    // ------------------------------------------------------------------------------------

    uint256 internal constant CHUNK_BYTES = 13;
    /// Token ids are 10 bits; id 0 is ETH.
    uint256 internal constant MAX_TOKENS = 1024;
    /// Account and NFT ids are 24 bits.
    uint256 internal constant MAX_ACCOUNT_ID = (1 << 24) - 1;
    uint256 internal constant MAX_NFT_ID = (1 << 24) - 1;
    /// The SHA-256 commitments are masked to 253 bits (top three bits cleared).
    uint256 internal constant INPUT_MASK = (1 << 253) - 1;

    uint8 internal constant OP_DEPOSIT = 1;
    uint8 internal constant OP_WITHDRAW = 3;
    uint8 internal constant OP_FULL_EXIT = 5;
    uint8 internal constant OP_CHANGE_PUB_KEY = 6;
    uint8 internal constant OP_FORCED_EXIT = 7;
    uint8 internal constant OP_WITHDRAW_NFT = 11;
    uint8 internal constant OP_FULL_EXIT_NFT = 12;

    /// Chunks of the onchain operations (4 × 13 = 52 bytes, 7 × 13 = 91 bytes).
    uint256 internal constant SMALL_OP_CHUNKS = 4;
    uint256 internal constant NFT_OP_CHUNKS = 7;

    /// ChangePubKey authorisation kinds (the wire's `auth_kind`, docs/spec/crypto.md).
    uint8 internal constant AUTH_ONCHAIN = 0;
    uint8 internal constant AUTH_EIP191 = 1;
    uint8 internal constant AUTH_EIP712 = 2;

    /// A committed block's timestamp may lag the L1 clock by at most this much ...
    uint256 internal constant COMMIT_TIMESTAMP_MAX_AGE = 1 days;
    /// ... and lead it by at most this much.
    uint256 internal constant COMMIT_TIMESTAMP_MAX_LEAD = 15 minutes;

    /// secp256k1 order / 2: signatures with a higher s are refused (malleability).
    uint256 internal constant SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant CHANGE_PUBKEY_TYPEHASH =
        keccak256("ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)");
    bytes32 internal constant REGISTER_NFT_FACTORY_TYPEHASH =
        keccak256("RegisterNftFactory(uint32 creatorId,address factory)");

    // ------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------

    /// What the contract remembers of a committed block, by hash (`storedBlockHashes`).
    struct StoredBlockInfo {
        uint64 blockNumber;
        /// Priority operations the block serves (popped from the queue at execution).
        uint64 priorityOperations;
        /// Chunks of pubdata: selects the verifier (one circuit per capacity).
        uint32 chunks;
        uint64 timestamp;
        /// Hash chain of the block's operations that execution acts on (withdrawals of every
        /// kind, full exits): h = keccak256(h ‖ op bytes), starting from 0.
        bytes32 pendingOnchainOpsHash;
        /// State root after the block.
        bytes32 stateRoot;
        /// The masked SHA-256 commitment: the proof's public input.
        bytes32 commitment;
    }

    /// A new block, as the operator commits it.
    struct CommitBlockInfo {
        uint64 blockNumber;
        uint32 feeAccount;
        uint64 timestamp;
        bytes32 newStateRoot;
        /// The first chunk of each onchain operation, in increasing order. The contract rebuilds
        /// the onchain bitmap (one bit per chunk, set at these chunks) that the commitment
        /// hashes, so a block of transfers sends no bitmap at all; an entry missing or added
        /// changes the commitment, and no proof of the real block verifies against it.
        uint32[] onchainOps;
        /// The block's pubdata, padded to its capacity (a multiple of 13 bytes).
        bytes pubdata;
        /// One entry per ChangePubKey in the block, in order: the kind byte, then for kinds 1
        /// and 2 the 65-byte signature r ‖ s ‖ v.
        bytes[] changePubKeyAuth;
    }

    /// A proven block to execute, with the bytes of its pending onchain operations in order.
    struct ExecuteBlockInfo {
        StoredBlockInfo storedBlock;
        bytes[] pendingOnchainOps;
    }

    /// Progress through one block's onchain operations at commit.
    struct Cursor {
        bytes32 opsHash;
        /// Id of the next priority request the block must serve.
        uint64 nextPriority;
        /// Index of the next ChangePubKey authorisation.
        uint256 authIndex;
    }

    /// A queued L1 request. Packed in one slot.
    struct PriorityRequest {
        /// keccak256 of the request's L1 fields (see `_requestHash*`), truncated to 20 bytes.
        bytes20 hashedData;
        /// L1 timestamp after which an unserved request lets anyone activate exodus mode.
        uint64 expiration;
        uint8 opType;
    }

    /// An NFT withdrawn from L2, waiting to be minted on L1.
    struct PendingNft {
        address owner;
        uint32 creatorId;
        address creatorAddress;
        uint32 serial;
        bytes32 contentHash;
    }

    // ------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------

    error NotGovernor();
    error NotValidator();
    error ZeroAddress();
    error Reentrancy();
    error ExodusActive();
    error ExodusNotActive();
    error TokenAlreadyListed(address token);
    error TooManyTokens();
    error TokenNotListed(address token);
    error UnknownTokenId(uint16 tokenId);
    error DepositsPaused(uint16 tokenId);
    error ZeroAmount();
    error DepositCapExceeded(uint16 tokenId);
    error NothingReceived(address token);
    error TokenBalanceShrank(address token, uint256 owed, uint256 held);
    error AccountIdOutOfRange(uint32 accountId);
    error NftIdOutOfRange(uint32 nftId);
    error VerifierAlreadySet(uint32 chunks);
    error UnsupportedCapacity(uint32 chunks);
    error StoredBlockMismatch(uint64 blockNumber);
    error WrongBlockNumber(uint64 expected, uint64 got);
    error TimestampBeforePrevious(uint64 previous, uint64 got);
    error TimestampOutOfBounds(uint64 got);
    error PubdataNotChunkAligned(uint256 length);
    error OnchainOpsUnordered(uint256 index);
    error OperationOutOfBounds(uint256 chunk);
    error UnexpectedOnchainOp(uint256 chunk, uint8 opcode);
    error PriorityQueueExhausted();
    error PriorityOpMismatch(uint64 requestId);
    error ChangePubKeyAuthMissing(uint256 index);
    error ChangePubKeyAuthUnused(uint256 count);
    error ChangePubKeyAuthMalformed(uint256 index);
    error ChangePubKeyAuthInvalid(uint32 accountId, address owner);
    error LengthMismatch();
    error BlockNotCommitted(uint64 blockNumber);
    error BlockNotProven(uint64 blockNumber);
    error BlockAlreadyProven(uint64 blockNumber);
    error InvalidProof(uint64 blockNumber);
    error PendingOpsMismatch(uint64 blockNumber);
    error BlocksInFlight(uint64 committed, uint64 executed);
    error InsufficientPendingBalance(uint128 available, uint128 requested);
    error EthTransferFailed();
    error TokenTransferFailed(address token);
    error NoPendingNft(uint32 nftId);
    error NoExpiredPriorityRequest();
    error AlreadyExited(uint32 accountId, uint16 tokenId);
    error InvalidExitProof();
    error DepositRefundMismatch(uint64 requestId);
    error NothingToCancel();
    error NftFactoryAlreadySet();
    error NftFactoryNotSet();
    error NftExitVerifierAlreadySet();
    error NftExitVerifierNotSet();
    error NftFactoryAlreadyRegistered(uint32 creatorId, address creatorAddress);
    error NftFactoryAuthInvalid(uint32 creatorId, address creatorAddress);
    error NftAlreadyExited(uint32 nftId);

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------

    event GovernorChanged(address indexed governor);
    event ValidatorSet(address indexed validator, bool active);
    event TokenAdded(uint16 indexed tokenId, address indexed token);
    event DepositPauseSet(uint16 indexed tokenId, bool paused);
    event VerifierSet(uint32 indexed chunks, address verifier);
    /// A request entered the priority queue. `data` is the packed L1 fields whose keccak256
    /// (first 20 bytes) is stored: see `_requestHash*`.
    event NewPriorityRequest(
        address indexed sender, uint64 indexed serialId, uint8 opType, bytes data, uint64 expiration
    );
    event FactAuthSet(address indexed owner, uint32 nonce, bytes20 pubKeyHash);
    event BlockCommit(uint64 indexed blockNumber, bytes32 stateRoot, bytes32 commitment);
    event BlockProven(uint64 indexed blockNumber);
    event BlockExecuted(uint64 indexed blockNumber, bytes32 stateRoot);
    event BlocksRevert(uint64 totalBlocksExecuted, uint64 totalBlocksCommitted);
    /// A pending balance grew (an executed withdrawal, full exit, forced exit, an exodus exit,
    /// or a refunded deposit).
    event PendingBalanceCredited(address indexed owner, uint16 indexed tokenId, uint128 amount);
    event Withdrawal(address indexed owner, uint16 indexed tokenId, uint128 amount);
    event PendingNftCredited(uint32 indexed nftId, address indexed owner);
    event NftWithdrawn(uint32 indexed nftId, address indexed owner);
    event ExodusMode();
    event ExodusExit(uint32 indexed accountId, address indexed owner, uint16 indexed tokenId, uint128 amount);
    event DepositRefunded(uint64 indexed requestId, address indexed owner, uint16 tokenId, uint128 amount);
    event NftFactorySet(address factory);
    event NftFactoryRegistered(uint32 indexed creatorId, address indexed creatorAddress, address factory);
    event NftExitVerifierSet(address verifier);
    event ExodusNftExit(uint32 indexed accountId, address indexed owner, uint32 indexed nftId);

    // ------------------------------------------------------------------------------------
    // State
    // ------------------------------------------------------------------------------------

    address public governor;
    mapping(address => bool) public validators;

    /// Listed tokens: id → address (ETH is id 0, address 0) and address → id + 1 (0 = unlisted).
    mapping(uint16 => address) public tokenAddresses;
    mapping(address => uint16) internal tokenIdPlusOne;
    uint16 public totalTokens;
    mapping(uint16 => bool) public depositsPaused;
    /// Lifetime deposits per token, capped at 2^128 - 1 so no L2 balance can overflow.
    mapping(uint16 => uint256) public totalDeposited;
    /// What the rollup owes its users of each ERC-20: received by deposits, less paid out by
    /// withdrawals. If the contract's token balance ever falls below it, the token rebased down
    /// (or was drained by its own logic) and further deposits are refused.
    mapping(uint16 => uint256) public tokenReserves;

    /// Block verifier per capacity (chunks), and the exit-proof verifier.
    mapping(uint32 => IGroth16Verifier) public verifiers;
    IGroth16Verifier public immutable exitVerifier;
    /// Seconds a priority request may wait before exodus can be triggered.
    uint64 public immutable priorityExpiration;

    mapping(uint64 => bytes32) public storedBlockHashes;
    uint64 public totalBlocksCommitted;
    uint64 public totalBlocksProven;
    uint64 public totalBlocksExecuted;
    bytes32 public lastExecutedStateRoot;

    mapping(uint64 => PriorityRequest) public priorityRequests;
    /// Id of the oldest request not yet executed.
    uint64 public firstPriorityRequestId;
    /// Requests queued and not yet executed (ids firstPriorityRequestId …, in order).
    uint64 public totalOpenPriorityRequests;
    /// Of the open requests, those served by committed blocks.
    uint64 public totalCommittedPriorityRequests;

    mapping(address => mapping(uint16 => uint128)) public pendingBalances;
    mapping(uint32 => PendingNft) public pendingNfts;

    /// On-chain ChangePubKey authorisations: owner → nonce → pubKeyHash.
    mapping(address => mapping(uint32 => bytes20)) public authFacts;

    bool public exodusMode;
    mapping(uint32 => mapping(uint16 => bool)) public exited;

    /// Mints withdrawn NFTs as ERC-721 (`NftFactory.sol`); set once by the governor.
    INftFactory public nftFactory;
    /// Factories creators registered for their own NFTs: creator account → creator address →
    /// factory. A creator's withdrawn NFTs are minted there instead of by `nftFactory`.
    mapping(uint32 => mapping(address => INftFactory)) public creatorNftFactories;
    /// Verifier of NFT exit proofs (a Groth16Verifier for the NFT exit circuit); set once by the
    /// governor.
    IGroth16Verifier public nftExitVerifier;
    /// NFTs that left through `performExodusNFT`.
    mapping(uint32 => bool) public nftExited;

    bytes32 internal immutable domainSeparator;

    /// Reentrancy flag, in transient storage (EIP-1153): no permanent storage cost, and it
    /// clears itself at the end of the transaction.
    bool private transient entered;

    // ------------------------------------------------------------------------------------
    // Construction, modifiers
    // ------------------------------------------------------------------------------------

    /// @param governor_ lists tokens, sets validators and verifiers, pauses deposits
    /// @param genesisStateRoot the state root of the empty state (block 0)
    /// @param exitVerifier_ verifier of exit proofs (a Groth16Verifier for the exit circuit)
    /// @param priorityExpiration_ seconds before an unserved priority request expires
    constructor(
        address governor_,
        bytes32 genesisStateRoot,
        IGroth16Verifier exitVerifier_,
        uint64 priorityExpiration_
    ) {
        if (governor_ == address(0) || address(exitVerifier_) == address(0)) revert ZeroAddress();
        governor = governor_;
        exitVerifier = exitVerifier_;
        priorityExpiration = priorityExpiration_;
        totalTokens = 1; // ETH
        StoredBlockInfo memory genesis;
        genesis.stateRoot = genesisStateRoot;
        storedBlockHashes[0] = hashStoredBlockInfo(genesis);
        lastExecutedStateRoot = genesisStateRoot;
        domainSeparator = keccak256(
            abi.encode(EIP712_DOMAIN_TYPEHASH, keccak256("Tern"), keccak256("1"), block.chainid, address(this))
        );
        emit GovernorChanged(governor_);
        emit BlockExecuted(0, genesisStateRoot);
    }

    modifier onlyGovernor() {
        if (msg.sender != governor) revert NotGovernor();
        _;
    }

    modifier onlyValidator() {
        if (!validators[msg.sender]) revert NotValidator();
        _;
    }

    modifier notExodus() {
        if (exodusMode) revert ExodusActive();
        _;
    }

    /// One guard for every function that moves assets out or calls token contracts.
    modifier nonReentrant() {
        if (entered) revert Reentrancy();
        entered = true;
        _;
        entered = false;
    }

    // ------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------

    function transferGovernance(address newGovernor) external onlyGovernor {
        if (newGovernor == address(0)) revert ZeroAddress();
        governor = newGovernor;
        emit GovernorChanged(newGovernor);
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

    function setDepositsPaused(uint16 id, bool paused) external onlyGovernor {
        if (id >= totalTokens) revert UnknownTokenId(id);
        depositsPaused[id] = paused;
        emit DepositPauseSet(id, paused);
    }

    /// Sets the verifier of blocks with `chunks` chunks. A capacity's verifier is set once and
    /// never replaced: the governor cannot swap in a verifier that accepts forged proofs for a
    /// capacity already in use.
    function setVerifier(uint32 chunks, IGroth16Verifier verifier) external onlyGovernor {
        if (address(verifier) == address(0)) revert ZeroAddress();
        if (address(verifiers[chunks]) != address(0)) revert VerifierAlreadySet(chunks);
        verifiers[chunks] = verifier;
        emit VerifierSet(chunks, address(verifier));
    }

    /// Sets the factory that mints withdrawn NFTs on L1. Set once: owners of pending NFTs can
    /// count on the factory they were promised.
    function setNftFactory(INftFactory factory) external onlyGovernor {
        if (address(factory) == address(0)) revert ZeroAddress();
        if (address(nftFactory) != address(0)) revert NftFactoryAlreadySet();
        nftFactory = factory;
        emit NftFactorySet(address(factory));
    }

    /// Sets the verifier of NFT exit proofs. Set once, like the block verifiers: the governor
    /// cannot later swap in one that accepts forged exits.
    function setNftExitVerifier(IGroth16Verifier verifier) external onlyGovernor {
        if (address(verifier) == address(0)) revert ZeroAddress();
        if (address(nftExitVerifier) != address(0)) revert NftExitVerifierAlreadySet();
        nftExitVerifier = verifier;
        emit NftExitVerifierSet(address(verifier));
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
        _deposit(0, uint128(msg.value), to, msg.value);
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
        if (received > type(uint128).max) revert DepositCapExceeded(id);
        tokenReserves[id] = owed + received;
        _deposit(id, uint128(received), to, received);
    }

    function _deposit(uint16 id, uint128 amount, address to, uint256 raw) internal {
        if (to == address(0)) revert ZeroAddress();
        if (depositsPaused[id]) revert DepositsPaused(id);
        if (raw == 0) revert ZeroAmount();
        uint256 total = totalDeposited[id] + raw;
        if (total > type(uint128).max) revert DepositCapExceeded(id);
        totalDeposited[id] = total;
        _enqueue(OP_DEPOSIT, abi.encodePacked(OP_DEPOSIT, id, amount, to));
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
        priorityRequests[id] =
            PriorityRequest({hashedData: bytes20(keccak256(data)), expiration: expiration, opType: opType});
        totalOpenPriorityRequests += 1;
        emit NewPriorityRequest(msg.sender, id, opType, data, expiration);
    }

    /// Records an on-chain ChangePubKey authorisation: msg.sender lets its L2 account take
    /// the key `pubKeyHash` at `nonce`.
    function setAuthPubkeyHash(bytes20 pubKeyHash, uint32 nonce) external {
        authFacts[msg.sender][nonce] = pubKeyHash;
        emit FactAuthSet(msg.sender, nonce, pubKeyHash);
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
        if (r.opType != opType || r.hashedData != bytes20(keccak256(data))) revert PriorityOpMismatch(requestId);
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
        if (kind == AUTH_ONCHAIN) {
            if (auth.length != 1) revert ChangePubKeyAuthMalformed(index);
            ok = pubKeyHash != bytes20(0) && authFacts[owner][nonce] == pubKeyHash;
        } else if (kind == AUTH_EIP191 || kind == AUTH_EIP712) {
            if (auth.length != 66) revert ChangePubKeyAuthMalformed(index);
            bytes32 digest;
            if (kind == AUTH_EIP191) {
                digest = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n28", pubKeyHash, nonce, accountId));
            } else {
                bytes32 structHash = keccak256(abi.encode(CHANGE_PUBKEY_TYPEHASH, pubKeyHash, nonce, accountId));
                digest = keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
            }
            ok = _recover(digest, auth[1:66]) == owner;
        } else {
            revert ChangePubKeyAuthMalformed(index);
        }
        if (!ok) revert ChangePubKeyAuthInvalid(accountId, owner);
    }

    /// ecrecover under OpenZeppelin's ECDSA rules (v 27/28, 0 < r < n, 0 < s <= n/2); returns
    /// address 0 for anything refused.
    function _recover(bytes32 digest, bytes calldata sig) internal view returns (address) {
        uint256 r = uint256(bytes32(sig[0:32]));
        uint256 s = uint256(bytes32(sig[32:64]));
        uint8 v = uint8(sig[64]);
        if ((v != 27 && v != 28) || r == 0 || r >= SECP256K1_N || s == 0 || s > SECP256K1_HALF_N) {
            return address(0);
        }
        (bool ok, bytes memory ret) = address(1).staticcall(abi.encode(digest, v, r, s));
        if (!ok || ret.length != 32) return address(0);
        return abi.decode(ret, (address));
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
            // serial (32 at 396), content hash (256 at 428); all zero if the requester did not
            // own the NFT.
            address creator = address(uint160(_bits(op, 236, 160)));
            bytes32 contentHash = _bits256(op, 428);
            if (creator != address(0) || contentHash != bytes32(0)) {
                _creditNft(
                    uint32(_bits(op, 188, 24)),
                    PendingNft({
                        owner: address(uint160(_bits(op, 28, 160))),
                        creatorId: uint32(_bits(op, 212, 24)),
                        creatorAddress: creator,
                        serial: uint32(_bits(op, 396, 32)),
                        contentHash: contentHash
                    })
                );
            }
        }
    }

    function _credit(address owner, uint16 id, uint128 amount) internal {
        if (amount == 0) return;
        pendingBalances[owner][id] += amount;
        emit PendingBalanceCredited(owner, id, amount);
    }

    function _creditNft(uint32 nftId, PendingNft memory nft) internal {
        pendingNfts[nftId] = nft;
        emit PendingNftCredited(nftId, nft.owner);
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
        uint128 available = pendingBalances[owner][tokenId];
        if (amount == 0) revert ZeroAmount();
        if (amount > available) revert InsufficientPendingBalance(available, amount);
        pendingBalances[owner][tokenId] = available - amount;
        if (tokenId == 0) {
            (bool ok,) = owner.call{value: amount}("");
            if (!ok) revert EthTransferFailed();
        } else {
            tokenReserves[tokenId] -= amount;
            _safeTransfer(tokenAddresses[tokenId], owner, amount);
        }
        emit Withdrawal(owner, tokenId, amount);
    }

    /// Registers the calling contract as the factory for the NFTs that `creatorAddress` creates
    /// from L2 account `creatorId`, authorised by the creator's EIP-712 signature of
    /// `RegisterNftFactory(creatorId, factory)` (the rollup's domain). Once per creator: the
    /// holders of a creator's NFTs can rely on where they will be minted.
    function registerNftFactory(uint32 creatorId, address creatorAddress, bytes calldata signature) external {
        if (creatorId > MAX_ACCOUNT_ID) revert AccountIdOutOfRange(creatorId);
        if (address(creatorNftFactories[creatorId][creatorAddress]) != address(0)) {
            revert NftFactoryAlreadyRegistered(creatorId, creatorAddress);
        }
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                domainSeparator,
                keccak256(abi.encode(REGISTER_NFT_FACTORY_TYPEHASH, creatorId, msg.sender))
            )
        );
        if (signature.length != 65 || creatorAddress == address(0) || _recover(digest, signature) != creatorAddress) {
            revert NftFactoryAuthInvalid(creatorId, creatorAddress);
        }
        creatorNftFactories[creatorId][creatorAddress] = INftFactory(msg.sender);
        emit NftFactoryRegistered(creatorId, creatorAddress, msg.sender);
    }

    /// Mints a withdrawn NFT to its owner as an ERC-721 through `nftFactory` (token id = the L2
    /// NFT id) and clears the record. Anyone may call it; the token always goes to the owner.
    function withdrawPendingNFT(uint32 nftId) external nonReentrant {
        PendingNft memory nft = pendingNfts[nftId];
        if (nft.owner == address(0)) revert NoPendingNft(nftId);
        INftFactory factory = creatorNftFactories[nft.creatorId][nft.creatorAddress];
        if (address(factory) == address(0)) factory = nftFactory;
        if (address(factory) == address(0)) revert NftFactoryNotSet();
        delete pendingNfts[nftId];
        factory.mintFromRollup(nftId, nft.owner, nft.creatorId, nft.creatorAddress, nft.serial, nft.contentHash);
        emit NftWithdrawn(nftId, nft.owner);
    }

    // ------------------------------------------------------------------------------------
    // Exodus
    // ------------------------------------------------------------------------------------

    /// Freezes the rollup if the oldest unexecuted priority request is past its deadline.
    /// Blocks committed but not executed are discarded.
    function activateExodusMode() external notExodus {
        if (totalOpenPriorityRequests == 0 || block.timestamp <= priorityRequests[firstPriorityRequestId].expiration) {
            revert NoExpiredPriorityRequest();
        }
        exodusMode = true;
        for (uint64 n = totalBlocksCommitted; n > totalBlocksExecuted; --n) {
            delete storedBlockHashes[n];
        }
        totalBlocksCommitted = totalBlocksExecuted;
        totalBlocksProven = totalBlocksExecuted;
        totalCommittedPriorityRequests = 0;
        emit BlocksRevert(totalBlocksExecuted, totalBlocksExecuted);
        emit ExodusMode();
    }

    /// The public input of an exit proof: sha256(root ‖ accountId (u32) ‖ owner (20 bytes) ‖
    /// tokenId (u16) ‖ amount (u128)), top three bits cleared (`tern_types::exit`).
    function exitCommitment(bytes32 root, uint32 accountId, address owner, uint16 tokenId, uint128 amount)
        public
        pure
        returns (uint256)
    {
        return uint256(sha256(abi.encodePacked(root, accountId, owner, tokenId, amount))) & INPUT_MASK;
    }

    /// In exodus mode: credits `owner` with `amount` of `tokenId`, which the last executed state
    /// root shows for account `accountId` owned by `owner`, given an exit proof. Once per
    /// account and token.
    function performExodus(uint32 accountId, address owner, uint16 tokenId, uint128 amount, uint256[8] calldata proof)
        external
    {
        if (!exodusMode) revert ExodusNotActive();
        if (exited[accountId][tokenId]) revert AlreadyExited(accountId, tokenId);
        uint256 input = exitCommitment(lastExecutedStateRoot, accountId, owner, tokenId, amount);
        if (!exitVerifier.verifyProof(proof, input)) revert InvalidExitProof();
        exited[accountId][tokenId] = true;
        _credit(owner, tokenId, amount);
        emit ExodusExit(accountId, owner, tokenId, amount);
    }

    /// The public input of an NFT exit proof: sha256(root ‖ accountId (u32) ‖ owner (20 bytes) ‖
    /// nftId (u24) ‖ creatorId (u24) ‖ creatorAddress (20) ‖ serial (u32) ‖ contentHash (32)),
    /// top three bits cleared (`tern_types::exit::nft_exit_commitment`). The ids are written as
    /// 3 bytes: callers pass ids below 2^24 (`performExodusNFT` checks).
    function nftExitCommitment(bytes32 root, uint32 accountId, uint32 nftId, PendingNft calldata nft)
        public
        pure
        returns (uint256)
    {
        bytes memory preimage = abi.encodePacked(
            root,
            accountId,
            nft.owner,
            uint24(nftId),
            uint24(nft.creatorId),
            nft.creatorAddress,
            nft.serial,
            nft.contentHash
        );
        return uint256(sha256(preimage)) & INPUT_MASK;
    }

    /// In exodus mode: records NFT `nftId`, which the last executed state root shows owned by
    /// account `accountId` (owned by `nft.owner`) with the identity in `nft`, as a pending NFT
    /// of `nft.owner`, given an NFT exit proof; `withdrawPendingNFT` then mints it. Once per NFT.
    function performExodusNFT(uint32 accountId, uint32 nftId, PendingNft calldata nft, uint256[8] calldata proof)
        external
    {
        if (!exodusMode) revert ExodusNotActive();
        // The preimage keeps 24 bits of each id: larger ids would alias smaller ones.
        if (nftId > MAX_NFT_ID) revert NftIdOutOfRange(nftId);
        if (nft.creatorId > MAX_ACCOUNT_ID) revert AccountIdOutOfRange(nft.creatorId);
        if (nftExited[nftId]) revert NftAlreadyExited(nftId);
        IGroth16Verifier verifier = nftExitVerifier;
        if (address(verifier) == address(0)) revert NftExitVerifierNotSet();
        uint256 input = nftExitCommitment(lastExecutedStateRoot, accountId, nftId, nft);
        if (!verifier.verifyProof(proof, input)) revert InvalidExitProof();
        nftExited[nftId] = true;
        _creditNft(nftId, nft);
        emit ExodusNftExit(accountId, nft.owner, nftId);
    }

    /// In exodus mode: refunds the next `depositsData.length` unexecuted priority requests in
    /// queue order. Each entry is the request's `data` from `NewPriorityRequest`; deposits are
    /// credited to their recipient's pending balance, full-exit requests are dropped.
    function cancelOutstandingDepositsForExodusMode(bytes[] calldata requestsData) external {
        if (!exodusMode) revert ExodusNotActive();
        uint64 n = uint64(requestsData.length);
        if (n == 0 || n > totalOpenPriorityRequests) revert NothingToCancel();
        uint64 id = firstPriorityRequestId;
        for (uint256 i = 0; i < n; ++i) {
            bytes calldata data = requestsData[i];
            PriorityRequest memory r = priorityRequests[id];
            if (r.hashedData != bytes20(keccak256(data))) revert DepositRefundMismatch(id);
            if (r.opType == OP_DEPOSIT) {
                // data = opcode (1) ‖ token (2) ‖ amount (16) ‖ to (20)
                uint16 id_ = uint16(bytes2(data[1:3]));
                uint128 amount = uint128(bytes16(data[3:19]));
                address to = address(bytes20(data[19:39]));
                _credit(to, id_, amount);
                emit DepositRefunded(id, to, id_, amount);
            }
            delete priorityRequests[id];
            id += 1;
        }
        firstPriorityRequestId = id;
        totalOpenPriorityRequests -= n;
    }

    // ------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------

    function hashStoredBlockInfo(StoredBlockInfo memory b) public pure returns (bytes32) {
        return keccak256(abi.encode(b));
    }

    /// The `width`-bit big-endian field at bit `offset` of `data` (width + offset % 8 <= 256).
    /// Bits past the end of calldata read as zero, which the chunk bounds check makes moot.
    function _bits(bytes calldata data, uint256 offset, uint256 width) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            let word := calldataload(add(data.offset, shr(3, offset)))
            v := shr(sub(256, width), shl(and(offset, 7), word))
        }
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
