// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {INftFactory, INftFactoryRegistry, IERC721Receiver} from "./Interfaces.sol";

/// @title Tern's default NFT factory: every NFT withdrawn from L2 as an ERC-721
/// @notice The rollup calls `mintFromRollup` when an owner claims a withdrawn NFT
///         (`Rollup.withdrawPendingNFT`); only the rollup given at deployment can mint. The
///         ERC-721 token id is the L2 NFT id, so each L2 NFT has exactly one L1 twin, and its
///         L2 identity (creator account and address, the creator's serial number, the content
///         hash) is kept on-chain in `origins`. A plain ERC-721 (EIP-721 with the metadata
///         extension and EIP-165); `tokenURI` is the content hash in hex, the only metadata L2
///         has. `docs/spec/contracts.md` documents it.
contract NftFactory is INftFactory {
    /// The L2 identity of a minted token, as the rollup's pubdata carried it.
    struct Origin {
        uint32 creatorId;
        address creatorAddress;
        uint32 serial;
        bytes32 contentHash;
    }

    error NotRollup();
    error ZeroAddress();
    error AlreadyMinted(uint256 tokenId);
    error NonexistentToken(uint256 tokenId);
    error NotOwnerNorApproved(address operator, uint256 tokenId);
    error WrongFrom(address from, uint256 tokenId);
    error UnsafeRecipient(address to);

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    /// A withdrawn L2 NFT was minted (besides the ERC-721 `Transfer` from address 0).
    event MintedFromRollup(
        uint256 indexed tokenId, address indexed creatorAddress, uint32 creatorId, uint32 serial, bytes32 contentHash
    );

    string public constant name = "Tern NFT";
    string public constant symbol = "TERNFT";

    /// The only minter.
    address public immutable rollup;

    mapping(uint256 => address) internal owners;
    mapping(address => uint256) internal balances;
    mapping(uint256 => address) internal tokenApprovals;
    mapping(address => mapping(address => bool)) public isApprovedForAll;
    mapping(uint256 => Origin) public origins;

    constructor(address rollup_) {
        if (rollup_ == address(0)) revert ZeroAddress();
        rollup = rollup_;
    }

    /// Registers this factory with the rollup for the NFTs `creatorAddress` creates from L2
    /// account `creatorId` (`Rollup.registerNftFactory`), with the creator's signature naming
    /// this factory. Anyone may submit it; the rollup checks the signature.
    function registerForCreator(uint32 creatorId, address creatorAddress, bytes calldata signature) external {
        INftFactoryRegistry(rollup).registerNftFactory(creatorId, creatorAddress, signature);
    }

    /// Mints L2 NFT `nftId` to `to` with its L2 identity. Only the rollup; once per id.
    function mintFromRollup(
        uint32 nftId,
        address to,
        uint32 creatorId,
        address creatorAddress,
        uint32 serial,
        bytes32 contentHash
    ) external {
        if (msg.sender != rollup) revert NotRollup();
        if (to == address(0)) revert ZeroAddress();
        uint256 tokenId = nftId;
        if (owners[tokenId] != address(0)) revert AlreadyMinted(tokenId);
        owners[tokenId] = to;
        // At most 2^24 ids exist: a balance cannot overflow.
        unchecked {
            balances[to] += 1;
        }
        origins[tokenId] =
            Origin({creatorId: creatorId, creatorAddress: creatorAddress, serial: serial, contentHash: contentHash});
        emit Transfer(address(0), to, tokenId);
        emit MintedFromRollup(tokenId, creatorAddress, creatorId, serial, contentHash);
    }

    // ------------------------------------------------------------------------------------
    // EIP-721
    // ------------------------------------------------------------------------------------

    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ZeroAddress();
        return balances[owner];
    }

    function ownerOf(uint256 tokenId) public view returns (address owner) {
        owner = owners[tokenId];
        if (owner == address(0)) revert NonexistentToken(tokenId);
    }

    function approve(address to, uint256 tokenId) external {
        address owner = ownerOf(tokenId);
        if (msg.sender != owner && !isApprovedForAll[owner][msg.sender]) {
            revert NotOwnerNorApproved(msg.sender, tokenId);
        }
        tokenApprovals[tokenId] = to;
        emit Approval(owner, to, tokenId);
    }

    function getApproved(uint256 tokenId) external view returns (address) {
        ownerOf(tokenId);
        return tokenApprovals[tokenId];
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 tokenId) public {
        address owner = ownerOf(tokenId);
        if (owner != from) revert WrongFrom(from, tokenId);
        if (to == address(0)) revert ZeroAddress();
        if (msg.sender != owner && tokenApprovals[tokenId] != msg.sender && !isApprovedForAll[owner][msg.sender]) {
            revert NotOwnerNorApproved(msg.sender, tokenId);
        }
        delete tokenApprovals[tokenId];
        unchecked {
            balances[from] -= 1;
            balances[to] += 1;
        }
        owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    /// As `transferFrom`; a contract recipient must answer `onERC721Received` with its selector.
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        if (to.code.length != 0) {
            try IERC721Receiver(to).onERC721Received(msg.sender, from, tokenId, data) returns (bytes4 ret) {
                if (ret != IERC721Receiver.onERC721Received.selector) revert UnsafeRecipient(to);
            } catch {
                revert UnsafeRecipient(to);
            }
        }
    }

    /// EIP-165: ERC-165 itself, ERC-721 and its metadata extension.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 || interfaceId == 0x80ac58cd || interfaceId == 0x5b5e139f;
    }

    /// The content hash as `0x` and 64 lowercase hex digits: L2 records no other metadata.
    function tokenURI(uint256 tokenId) external view returns (string memory) {
        ownerOf(tokenId);
        bytes32 h = origins[tokenId].contentHash;
        bytes memory out = new bytes(66);
        out[0] = "0";
        out[1] = "x";
        bytes16 digits = "0123456789abcdef";
        for (uint256 i = 0; i < 32; ++i) {
            uint8 b = uint8(h[i]);
            out[2 + 2 * i] = digits[b >> 4];
            out[3 + 2 * i] = digits[b & 0x0f];
        }
        return string(out);
    }
}
