// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title Test helper: an EIP-721 receiver that answers `onERC721Received` with `answer`
/// @notice With the right selector it accepts `safeTransferFrom`; with any other value the
///         factory must refuse the transfer (`UnsafeRecipient`).
contract NftReceiver {
    bytes4 public immutable answer;
    uint256 public received;

    constructor(bytes4 answer_) {
        answer = answer_;
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        received += 1;
        return answer;
    }
}
