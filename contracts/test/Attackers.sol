// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

interface IRollupForAttackers {
    function registerNftFactory(uint32 creatorId, address creatorAddress, bytes calldata signature) external;
    function withdrawPendingBalanceTo(uint16 tokenId, uint128 amount, address payable to) external;
}

/// @title Test helper: an NFT factory a creator registers that fails its holders
/// @notice `mode` 0 reverts on every mint; mode 1 "mints" to `thief` instead of the recipient.
///         The rollup must neither lose the NFT nor let it go elsewhere: the mint is refused
///         and the owner can take the default factory instead.
contract BadNftFactory {
    address public immutable rollup;
    uint8 public immutable mode;
    address public immutable thief;
    mapping(uint256 => address) internal owners;

    constructor(address rollup_, uint8 mode_, address thief_) {
        rollup = rollup_;
        mode = mode_;
        thief = thief_;
    }

    function registerForCreator(uint32 creatorId, address creatorAddress, bytes calldata signature) external {
        IRollupForAttackers(rollup).registerNftFactory(creatorId, creatorAddress, signature);
    }

    function mintFromRollup(uint32 nftId, address, uint32, address, uint32, bytes32) external {
        if (mode == 0) revert("broken factory");
        owners[nftId] = thief;
    }

    function ownerOf(uint256 tokenId) external view returns (address) {
        return owners[tokenId];
    }
}

/// @title Test helper: a pending-balance owner that cannot receive ETH
/// @notice It has no receive or fallback function, so paying it ETH fails; it can still direct
///         its pending balance elsewhere with `withdrawPendingBalanceTo`.
contract EthRefuser {
    function claimTo(address rollup, uint16 tokenId, uint128 amount, address payable to) external {
        IRollupForAttackers(rollup).withdrawPendingBalanceTo(tokenId, amount, to);
    }
}
