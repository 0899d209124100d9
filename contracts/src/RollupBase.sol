// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {IGroth16Verifier, INftFactory, IERC721Owner} from "./Interfaces.sol";

/// @title Tern rollup: the storage, types, errors, events and helpers of `Rollup` and
///        `RollupExodus`
/// @notice `Rollup` is the contract users and operators call; it forwards the functions it does
///         not implement (exodus, NFT claims, on-chain ChangePubKey facts) to `RollupExodus`,
///         which it deploys itself, by `delegatecall`. Both inherit this contract and declare no
///         state of their own, so they share one storage layout. EIP-170 caps a contract at
///         24,576 bytes of code, which one contract no longer fits. `docs/spec/contracts.md`
///         documents every function, event and error.
abstract contract RollupBase {
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

    /// A non-zero on-chain ChangePubKey fact can only be replaced this long after its owner asked
    /// to (zkSync Lite's rule): an operator that sealed a block on the fact can still commit it.
    uint256 internal constant AUTH_FACT_RESET_TIMELOCK = 1 days;

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

    /// A queued L1 request: the full 32-byte keccak256 of its L1 fields (see `_enqueue`
    /// callers), so that no depositor can search for two requests with one stored hash.
    struct PriorityRequest {
        bytes32 hashedData;
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
    error NotPendingGovernor();
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
    error PriorityExpirationOutOfRange(uint64 expiration);
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
    error AuthFactResetTooEarly(uint256 allowedAt);
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
    error NotNftOwner(uint32 nftId);
    error NftMintFailed(uint32 nftId, address factory);
    error NoExpiredPriorityRequest();
    error AlreadyExited(uint32 accountId, uint16 tokenId);
    error InvalidExitProof();
    error DepositRefundMismatch(uint64 requestId);
    error NothingToCancel();
    error NftFactoryAlreadyRegistered(uint32 creatorId, address creatorAddress);
    error NftFactoryAuthInvalid(uint32 creatorId, address creatorAddress);
    error NftFactoryHasNoCode(address factory);
    error NftAlreadyExited(uint32 nftId);

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------

    event GovernorChanged(address indexed governor);
    event GovernorProposed(address indexed governor);
    event ValidatorSet(address indexed validator, bool active);
    event TokenAdded(uint16 indexed tokenId, address indexed token);
    event DepositPauseSet(uint16 indexed tokenId, bool paused);
    /// Emitted by the constructor only: the verifiers and the default factory it fixed.
    event VerifierSet(uint32 indexed chunks, address verifier);
    event NftFactorySet(address factory);
    event NftExitVerifierSet(address verifier);
    /// A request entered the priority queue. `data` is the packed L1 fields whose keccak256
    /// is stored.
    event NewPriorityRequest(
        address indexed sender, uint64 indexed serialId, uint8 opType, bytes data, uint64 expiration
    );
    event FactAuthSet(address indexed owner, uint32 nonce, bytes20 pubKeyHash);
    /// The owner asked to replace a non-zero fact; `setAuthPubkeyHash` may replace it from
    /// `allowedAt` on.
    event FactAuthResetRequested(address indexed owner, uint32 nonce, uint256 allowedAt);
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
    event NftFactoryRegistered(uint32 indexed creatorId, address indexed creatorAddress, address factory);
    event ExodusNftExit(uint32 indexed accountId, address indexed owner, uint32 indexed nftId);

    // ------------------------------------------------------------------------------------
    // State (shared by Rollup and RollupExodus: neither declares any of its own)
    // ------------------------------------------------------------------------------------

    address public governor;
    /// The governor `proposeGovernor` named; it takes over when it calls `acceptGovernance`.
    address public pendingGovernor;
    mapping(address => bool) public validators;

    /// Listed tokens: id → address (ETH is id 0, address 0) and address → id + 1 (0 = unlisted).
    mapping(uint16 => address) public tokenAddresses;
    mapping(address => uint16) internal tokenIdPlusOne;
    uint16 public totalTokens;
    mapping(uint16 => bool) public depositsPaused;
    /// What the rollup owes its users of each token (ETH included): received by deposits, less
    /// paid out by withdrawals. Capped at 2^128 - 1, so no L2 balance can overflow. For an
    /// ERC-20, a contract balance below it means the token rebased down (or was drained by its
    /// own logic) and further deposits are refused.
    mapping(uint16 => uint256) public tokenReserves;

    /// Block verifier per capacity (chunks), set by the constructor only, and the hash of its
    /// verifying key under its circuit id (`verifierKeyHash`).
    mapping(uint32 => IGroth16Verifier) public verifiers;
    mapping(uint32 => bytes32) public blockKeyHashes;
    /// Verifiers of token and NFT exit proofs, and their key hashes; set by the constructor only.
    IGroth16Verifier public exitVerifier;
    IGroth16Verifier public nftExitVerifier;
    bytes32 public exitKeyHash;
    bytes32 public nftExitKeyHash;

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
    /// The factory each pending NFT will be minted by, fixed when it was withdrawn: its
    /// creator's registered factory at that moment, else `nftFactory`.
    mapping(uint32 => address) public pendingNftFactories;

    /// On-chain ChangePubKey authorisations: owner → nonce → pubKeyHash, and when the owner
    /// asked to replace a non-zero one (0: not asked).
    mapping(address => mapping(uint32 => bytes20)) public authFacts;
    mapping(address => mapping(uint32 => uint256)) public authFactResetRequested;

    bool public exodusMode;
    mapping(uint32 => mapping(uint16 => bool)) public exited;

    /// The default factory of withdrawn NFTs (`NftFactory.sol`), deployed by the constructor.
    INftFactory public nftFactory;
    /// Factories creators registered for their own NFTs: creator account → creator address →
    /// factory. It applies to the creator's NFTs withdrawn after the registration.
    mapping(uint32 => mapping(address => address)) public creatorNftFactories;
    /// NFTs that left through `performExodusNFT`.
    mapping(uint32 => bool) public nftExited;

    /// Reentrancy flag, in transient storage (EIP-1153): no permanent storage cost, and it
    /// clears itself at the end of the transaction.
    bool private transient entered;

    // ------------------------------------------------------------------------------------
    // Modifiers and shared helpers
    // ------------------------------------------------------------------------------------

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

    function _credit(address owner, uint16 id, uint128 amount) internal {
        if (amount == 0) return;
        pendingBalances[owner][id] += amount;
        emit PendingBalanceCredited(owner, id, amount);
    }

    /// Records a withdrawn NFT and fixes the factory that will mint it now, so that no later
    /// registration can change where an NFT already withdrawn goes.
    function _creditNft(uint32 nftId, PendingNft memory nft) internal {
        pendingNfts[nftId] = nft;
        address factory = creatorNftFactories[nft.creatorId][nft.creatorAddress];
        pendingNftFactories[nftId] = factory == address(0) ? address(nftFactory) : factory;
        emit PendingNftCredited(nftId, nft.owner);
    }

    /// The `width`-bit big-endian field at bit `offset` of `data` (width + offset % 8 <= 256).
    /// Bits past the end of calldata read as zero, which the chunk bounds check makes moot.
    function _bits(bytes calldata data, uint256 offset, uint256 width) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            let word := calldataload(add(data.offset, shr(3, offset)))
            v := shr(sub(256, width), shl(and(offset, 7), word))
        }
    }

    /// ecrecover under OpenZeppelin's ECDSA rules (v 27/28, 0 < r < n, 0 < s <= n/2); returns
    /// address 0 for anything refused, which callers must never accept as a signer.
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
}
