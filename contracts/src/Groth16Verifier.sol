// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title Groth16 verifier over BN254 for circuits with exactly one public input
/// @notice Checks e(A, B) = e(alpha, beta) · e(vk_x, gamma) · e(C, delta) with
///         vk_x = IC0 + input · IC1, through the ecAdd (0x06), ecMul (0x07) and ecPairing (0x08)
///         precompiles. The verifying key is fixed at deployment in `immutable` values, which
///         the compiler writes into the runtime code: reading one costs the same as a constant.
///         `tern-contracts` (`verifier.rs`) turns an arkworks `VerifyingKey<Bn254>` into the
///         constructor arguments, and also renders this file with the key as constants
///         (`solidity_source`) for audit: the text between the BEGIN/END markers below is what
///         it replaces, everything else is kept verbatim.
/// @dev G2 points use the EVM's encoding: the imaginary coefficient (c1) before the real one
///      (c0). A proof is [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y].
contract Groth16Verifier {
    /// BN254 base field modulus: every coordinate must be below it.
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// BN254 scalar field modulus: the public input must be below it.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// A verifying-key point is not a valid curve point (or not in the prime-order subgroup).
    error InvalidVerifyingKey();

    // BEGIN VK
    uint256 internal immutable ALPHA_X;
    uint256 internal immutable ALPHA_Y;
    uint256 internal immutable BETA_X1;
    uint256 internal immutable BETA_X0;
    uint256 internal immutable BETA_Y1;
    uint256 internal immutable BETA_Y0;
    uint256 internal immutable GAMMA_X1;
    uint256 internal immutable GAMMA_X0;
    uint256 internal immutable GAMMA_Y1;
    uint256 internal immutable GAMMA_Y0;
    uint256 internal immutable DELTA_X1;
    uint256 internal immutable DELTA_X0;
    uint256 internal immutable DELTA_Y1;
    uint256 internal immutable DELTA_Y0;
    uint256 internal immutable IC0_X;
    uint256 internal immutable IC0_Y;
    uint256 internal immutable IC1_X;
    uint256 internal immutable IC1_Y;
    // END VK

    // BEGIN CONSTRUCTOR
    /// @param alpha G1 [x, y]
    /// @param beta G2 [x.c1, x.c0, y.c1, y.c0]
    /// @param gamma G2 [x.c1, x.c0, y.c1, y.c0]
    /// @param delta G2 [x.c1, x.c0, y.c1, y.c0]
    /// @param ic0 G1 [x, y], the constant term of vk_x
    /// @param ic1 G1 [x, y], the coefficient of the public input
    /// @dev Every point is validated once, by a pairing whose result is known to be 1 when all
    ///      points are valid: e(alpha, beta) e(-alpha, beta) e(ic0, gamma) e(-ic0, gamma)
    ///      e(ic1, delta) e(-ic1, delta). The precompile refuses coordinates >= Q, points off
    ///      the curve, and G2 points outside the prime-order subgroup.
    constructor(
        uint256[2] memory alpha,
        uint256[4] memory beta,
        uint256[4] memory gamma,
        uint256[4] memory delta,
        uint256[2] memory ic0,
        uint256[2] memory ic1
    ) {
        uint256[36] memory p;
        _pair(p, 0, alpha[0], alpha[1], beta);
        _pair(p, 6, alpha[0], _neg(alpha[1]), beta);
        _pair(p, 12, ic0[0], ic0[1], gamma);
        _pair(p, 18, ic0[0], _neg(ic0[1]), gamma);
        _pair(p, 24, ic1[0], ic1[1], delta);
        _pair(p, 30, ic1[0], _neg(ic1[1]), delta);
        bool ok;
        uint256 result;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, p, 1152, 0x00, 0x20)
            result := mload(0x00)
        }
        if (!ok || result != 1) revert InvalidVerifyingKey();

        ALPHA_X = alpha[0];
        ALPHA_Y = alpha[1];
        BETA_X1 = beta[0];
        BETA_X0 = beta[1];
        BETA_Y1 = beta[2];
        BETA_Y0 = beta[3];
        GAMMA_X1 = gamma[0];
        GAMMA_X0 = gamma[1];
        GAMMA_Y1 = gamma[2];
        GAMMA_Y0 = gamma[3];
        DELTA_X1 = delta[0];
        DELTA_X0 = delta[1];
        DELTA_Y1 = delta[2];
        DELTA_Y0 = delta[3];
        IC0_X = ic0[0];
        IC0_Y = ic0[1];
        IC1_X = ic1[0];
        IC1_Y = ic1[1];
    }

    function _pair(uint256[36] memory p, uint256 offset, uint256 x, uint256 y, uint256[4] memory g2) private pure {
        p[offset] = x;
        p[offset + 1] = y;
        p[offset + 2] = g2[0];
        p[offset + 3] = g2[1];
        p[offset + 4] = g2[2];
        p[offset + 5] = g2[3];
    }

    function _neg(uint256 y) private pure returns (uint256) {
        return y == 0 ? 0 : Q - (y % Q);
    }
    // END CONSTRUCTOR

    /// @notice The verifying key, in the constructor's order and encoding:
    ///         alpha (2), beta (4), gamma (4), delta (4), ic0 (2), ic1 (2).
    function verifyingKey() external view returns (uint256[18] memory vk) {
        vk = [
            ALPHA_X, ALPHA_Y,
            BETA_X1, BETA_X0, BETA_Y1, BETA_Y0,
            GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0,
            DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0,
            IC0_X, IC0_Y,
            IC1_X, IC1_Y
        ];
    }

    /// @notice True iff `proof` is a valid Groth16 proof for the public input `input`.
    /// @dev Never reverts on malformed data: an input >= R, a coordinate >= Q, or a point the
    ///      precompiles refuse (off the curve, outside the subgroup) all give false.
    /// @param proof [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]
    /// @param input the single public input, a BN254 scalar
    function verifyProof(uint256[8] calldata proof, uint256 input) external view returns (bool) {
        if (input >= R) return false;
        for (uint256 i = 0; i < 8; ++i) {
            if (proof[i] >= Q) return false;
        }

        // vk_x = IC0 + input * IC1: ecMul into t[0..1], then ecAdd with IC0 in t[2..3].
        uint256[4] memory t;
        t[0] = IC1_X;
        t[1] = IC1_Y;
        t[2] = input;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x07, t, 96, t, 64)
        }
        t[2] = IC0_X;
        t[3] = IC0_Y;
        assembly ("memory-safe") {
            ok := and(ok, staticcall(gas(), 0x06, t, 128, t, 64))
        }

        // The pairing input: four (G1, G2) pairs of 6 words each. The product of the pairings
        // is 1 iff e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta): A is negated
        // (y -> Q - y) to move e(A, B) to the product side.
        uint256[24] memory p;
        p[0] = proof[0];
        p[1] = proof[1] == 0 ? 0 : Q - proof[1];
        p[2] = proof[2];
        p[3] = proof[3];
        p[4] = proof[4];
        p[5] = proof[5];
        p[6] = ALPHA_X;
        p[7] = ALPHA_Y;
        p[8] = BETA_X1;
        p[9] = BETA_X0;
        p[10] = BETA_Y1;
        p[11] = BETA_Y0;
        p[12] = t[0];
        p[13] = t[1];
        p[14] = GAMMA_X1;
        p[15] = GAMMA_X0;
        p[16] = GAMMA_Y1;
        p[17] = GAMMA_Y0;
        p[18] = proof[6];
        p[19] = proof[7];
        p[20] = DELTA_X1;
        p[21] = DELTA_X0;
        p[22] = DELTA_Y1;
        p[23] = DELTA_Y0;
        uint256 result;
        assembly ("memory-safe") {
            // A failed call (a point the precompile refuses) leaves ok false; the result word
            // is only read when the call succeeded.
            ok := and(ok, staticcall(gas(), 0x08, p, 768, 0x00, 0x20))
            result := mload(0x00)
        }
        return ok && result == 1;
    }
}
