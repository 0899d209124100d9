// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @notice A Groth16 verifier with one public input (`Groth16Verifier.sol`).
interface IGroth16Verifier {
    function verifyProof(uint256[8] calldata proof, uint256 input) external view returns (bool);
}

/// @notice The part of ERC-20 the rollup uses.
interface IERC20 {
    function balanceOf(address owner) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}
