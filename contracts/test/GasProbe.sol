// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

interface IGroth16Verifier {
    function verifyProof(uint256[8] calldata proof, uint256 input) external view returns (bool);
}

/// @title Test helper: the gas a contract spends on one `verifyProof` call
/// @notice Measures what a caller such as the rollup pays for verification (the external call
///         included), without the transaction's intrinsic and calldata costs.
contract GasProbe {
    function measureVerify(IGroth16Verifier verifier, uint256[8] calldata proof, uint256 input)
        external
        view
        returns (bool ok, uint256 gasUsed)
    {
        uint256 before = gasleft();
        ok = verifier.verifyProof(proof, input);
        gasUsed = before - gasleft();
    }
}
