// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @notice A Groth16 verifier with one public input (`Groth16Verifier.sol`).
interface IGroth16Verifier {
    function verifyProof(uint256[8] calldata proof, uint256 input) external view returns (bool);
    /// The verifying key's 18 words: α (2), β (4), γ (4), δ (4), IC0 (2), IC1 (2).
    function verifyingKey() external view returns (uint256[18] memory);
}

/// @notice The part of ERC-20 the rollup uses.
interface IERC20 {
    function balanceOf(address owner) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @notice Mints NFTs withdrawn from L2 on L1 (`NftFactory.sol` is the default).
interface INftFactory {
    function mintFromRollup(
        uint32 nftId,
        address to,
        uint32 creatorId,
        address creatorAddress,
        uint32 serial,
        bytes32 contentHash
    ) external;
}

/// @notice The part of ERC-721 the rollup reads: who owns a token it just had minted.
interface IERC721Owner {
    function ownerOf(uint256 tokenId) external view returns (address);
}

/// @notice Where an NFT factory registers itself for a creator's NFTs (`Rollup.sol`).
interface INftFactoryRegistry {
    function registerNftFactory(uint32 creatorId, address creatorAddress, bytes calldata signature) external;
}

/// @notice EIP-721's receiver hook, called by `safeTransferFrom` on contract recipients.
interface IERC721Receiver {
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4);
}
