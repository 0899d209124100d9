// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {INftFactory, IERC721Owner} from "./Interfaces.sol";
import {RollupBase} from "./RollupBase.sol";

/// @title Tern rollup, second half: exodus, NFT claims and on-chain ChangePubKey facts
/// @notice Runs only through `Rollup`'s fallback (`delegatecall`), on the rollup's storage:
///         `Rollup`'s constructor deploys it, so no one can put other code behind the rollup's
///         address. Called directly it works on its own empty storage, where nothing it does
///         moves anything. Its functions are part of the rollup's ABI (`contracts/out/Rollup.json`
///         lists them).
contract RollupExodus is RollupBase {
    /// The rollup's EIP-712 domain separator (named for the rollup's address, not this one's).
    bytes32 internal immutable domainSeparator;

    constructor(bytes32 domainSeparator_) {
        domainSeparator = domainSeparator_;
    }

    // ------------------------------------------------------------------------------------
    // On-chain ChangePubKey facts
    // ------------------------------------------------------------------------------------

    /// Records an on-chain ChangePubKey authorisation: msg.sender lets its L2 account take the
    /// key `pubKeyHash` at `nonce`. A first fact is set at once. A non-zero fact is replaced in
    /// two calls: the first records the request (`FactAuthResetRequested`), the second, at
    /// least `AUTH_FACT_RESET_TIMELOCK` later, replaces it; so an operator that sealed a block
    /// on the fact can commit it before the owner can pull the fact away.
    function setAuthPubkeyHash(bytes20 pubKeyHash, uint32 nonce) external {
        if (authFacts[msg.sender][nonce] != bytes20(0)) {
            uint256 requested = authFactResetRequested[msg.sender][nonce];
            if (requested == 0) {
                authFactResetRequested[msg.sender][nonce] = block.timestamp;
                emit FactAuthResetRequested(msg.sender, nonce, block.timestamp + AUTH_FACT_RESET_TIMELOCK);
                return;
            }
            if (block.timestamp < requested + AUTH_FACT_RESET_TIMELOCK) {
                revert AuthFactResetTooEarly(requested + AUTH_FACT_RESET_TIMELOCK);
            }
            delete authFactResetRequested[msg.sender][nonce];
        }
        authFacts[msg.sender][nonce] = pubKeyHash;
        emit FactAuthSet(msg.sender, nonce, pubKeyHash);
    }

    // ------------------------------------------------------------------------------------
    // NFTs
    // ------------------------------------------------------------------------------------

    /// Registers the calling contract as the factory for the NFTs that `creatorAddress` creates
    /// from L2 account `creatorId`, authorised by the creator's EIP-712 signature of
    /// `RegisterNftFactory(creatorId, factory)` (the rollup's domain). Once per creator; it
    /// applies to the creator's NFTs withdrawn from then on. The caller must have code (a
    /// constructor cannot register), so an address where no factory exists is never named.
    function registerNftFactory(uint32 creatorId, address creatorAddress, bytes calldata signature) external {
        if (creatorId > MAX_ACCOUNT_ID) revert AccountIdOutOfRange(creatorId);
        if (msg.sender.code.length == 0) revert NftFactoryHasNoCode(msg.sender);
        if (creatorNftFactories[creatorId][creatorAddress] != address(0)) {
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
        creatorNftFactories[creatorId][creatorAddress] = msg.sender;
        emit NftFactoryRegistered(creatorId, creatorAddress, msg.sender);
    }

    /// Mints a withdrawn NFT to its owner as an ERC-721 (token id = the L2 NFT id) through the
    /// factory fixed when it was withdrawn (`pendingNftFactories`), and clears the record.
    /// Anyone may call it; the token always goes to the owner, and the call reverts (the NFT
    /// stays pending) unless the factory then reports the owner as the token's owner.
    function withdrawPendingNFT(uint32 nftId) external nonReentrant {
        _mintPendingNft(nftId, pendingNftFactories[nftId]);
    }

    /// As `withdrawPendingNFT`, through the default factory `nftFactory`, whatever factory the
    /// NFT was to be minted by. Only the owner may call it: a creator's factory that reverts,
    /// mints to someone else or that the owner does not trust cannot keep the NFT.
    function withdrawPendingNFTDefault(uint32 nftId) external nonReentrant {
        if (pendingNfts[nftId].owner != msg.sender) revert NotNftOwner(nftId);
        _mintPendingNft(nftId, address(nftFactory));
    }

    function _mintPendingNft(uint32 nftId, address factory) internal {
        PendingNft memory nft = pendingNfts[nftId];
        if (nft.owner == address(0)) revert NoPendingNft(nftId);
        delete pendingNfts[nftId];
        delete pendingNftFactories[nftId];
        // A low-level call: a factory that reverts or returns junk makes this one revert with
        // NftMintFailed, leaving the record for `withdrawPendingNFTDefault`.
        (bool ok,) = factory.call(
            abi.encodeCall(
                INftFactory.mintFromRollup,
                (nftId, nft.owner, nft.creatorId, nft.creatorAddress, nft.serial, nft.contentHash)
            )
        );
        if (ok) {
            bytes memory ret;
            (ok, ret) = factory.staticcall(abi.encodeCall(IERC721Owner.ownerOf, (nftId)));
            ok = ok && ret.length == 32 && abi.decode(ret, (address)) == nft.owner;
        }
        if (!ok) revert NftMintFailed(nftId, factory);
        emit NftWithdrawn(nftId, nft.owner);
    }

    // ------------------------------------------------------------------------------------
    // Exodus
    // ------------------------------------------------------------------------------------

    /// Freezes the rollup if the oldest unexecuted priority request is past its deadline.
    /// Blocks committed but not executed are discarded in O(1): the counters move back and
    /// their stored hashes are left in place, since every function that reads them refuses to
    /// run in exodus mode, which never ends. (Deleting one hash per block would let a validator
    /// that commits thousands of blocks push activation past the block gas limit.)
    function activateExodusMode() external notExodus {
        if (totalOpenPriorityRequests == 0 || block.timestamp <= priorityRequests[firstPriorityRequestId].expiration) {
            revert NoExpiredPriorityRequest();
        }
        exodusMode = true;
        uint64 executed = totalBlocksExecuted;
        totalBlocksCommitted = executed;
        totalBlocksProven = executed;
        totalCommittedPriorityRequests = 0;
        emit BlocksRevert(executed, executed);
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
        uint256 input = nftExitCommitment(lastExecutedStateRoot, accountId, nftId, nft);
        if (!nftExitVerifier.verifyProof(proof, input)) revert InvalidExitProof();
        nftExited[nftId] = true;
        _creditNft(nftId, nft);
        emit ExodusNftExit(accountId, nft.owner, nftId);
    }

    /// In exodus mode: refunds the next `requestsData.length` unexecuted priority requests in
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
            if (r.hashedData != keccak256(data)) revert DepositRefundMismatch(id);
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
}
