// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title Test helper: a plain mintable ERC-20
contract TestERC20 {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external virtual returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external virtual returns (bool) {
        _spend(from, amount);
        _move(from, to, amount);
        return true;
    }

    function _spend(address from, uint256 amount) internal {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= amount, "allowance");
        allowance[from][msg.sender] = allowed - amount;
    }

    function _move(address from, address to, uint256 amount) internal virtual {
        require(balanceOf[from] >= amount, "balance");
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @title Test helper: an ERC-20 that burns 1% of every transfer
contract FeeOnTransferERC20 is TestERC20 {
    function _move(address from, address to, uint256 amount) internal override {
        require(balanceOf[from] >= amount, "balance");
        uint256 fee = amount / 100;
        balanceOf[from] -= amount;
        balanceOf[to] += amount - fee;
        totalSupply -= fee;
    }
}

/// @title Test helper: an ERC-20 whose transferFrom reports success but moves nothing
contract NoopERC20 is TestERC20 {
    function transferFrom(address, address, uint256) external pure override returns (bool) {
        return true;
    }
}

/// @title Test helper: a rebasing ERC-20 (balances are shares times a scale the owner moves)
contract RebasingERC20 {
    uint256 internal constant ONE = 1e18;
    mapping(address => uint256) internal shares;
    mapping(address => mapping(address => uint256)) public allowance;
    /// balance = shares * scale / 1e18
    uint256 public scale = ONE;

    function rebase(uint256 newScale) external {
        scale = newScale;
    }

    function balanceOf(address owner) external view returns (uint256) {
        return shares[owner] * scale / ONE;
    }

    function mint(address to, uint256 amount) external {
        shares[to] += amount * ONE / scale;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= amount, "allowance");
        allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) internal {
        uint256 moved = amount * ONE / scale;
        require(shares[from] >= moved, "balance");
        shares[from] -= moved;
        shares[to] += moved;
    }
}

/// @title Test helper: an ERC-20 whose transfers return false instead of reverting
contract FalseReturningERC20 is TestERC20 {
    function transfer(address, uint256) external pure override returns (bool) {
        return false;
    }

    function transferFrom(address, address, uint256) external pure override returns (bool) {
        return false;
    }
}

interface IRollupWithdraw {
    function withdrawPendingBalance(address payable owner, uint16 tokenId, uint128 amount) external;
    function depositERC20(address token, uint128 amount, address to) external;
}

/// @title Test helper: an ERC-20 that re-enters the rollup from `transfer`
contract ReentrantERC20 is TestERC20 {
    address public target;
    bytes public payload;

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function transfer(address to, uint256 amount) external override returns (bool) {
        _move(msg.sender, to, amount);
        if (target != address(0)) {
            (bool ok, bytes memory ret) = target.call(payload);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        return true;
    }
}

/// @title Test helper: a contract that re-enters `withdrawPendingBalance` when paid ETH
contract ReentrantReceiver {
    IRollupWithdraw public rollup;
    uint128 public amount;
    uint256 public reentries;
    /// When set, the re-entry's revert is recorded in `lastRevert` instead of propagated, so
    /// the outer withdrawal completes and the guard's own error can be inspected.
    bool public swallow;
    bytes public lastRevert;

    constructor(IRollupWithdraw rollup_) {
        rollup = rollup_;
    }

    function attack(uint128 amount_) external {
        amount = amount_;
        rollup.withdrawPendingBalance(payable(address(this)), 0, amount_);
    }

    function setSwallow(bool swallow_) external {
        swallow = swallow_;
    }

    receive() external payable {
        reentries += 1;
        if (swallow) {
            (bool ok, bytes memory ret) =
                address(rollup).call(abi.encodeCall(IRollupWithdraw.withdrawPendingBalance, (payable(address(this)), 0, amount)));
            if (!ok) lastRevert = ret;
            return;
        }
        // Propagates the guard's revert, which fails the outer ETH transfer.
        rollup.withdrawPendingBalance(payable(address(this)), 0, amount);
    }
}

/// @title Test helper: a verifier that accepts a proof iff its first word equals the input
/// @notice Lets the rollup tests exercise commit / prove / execute without a circuit. Deployed
///         only in tests; the real verifier is Groth16Verifier.sol.
contract MockVerifier {
    function verifyProof(uint256[8] calldata proof, uint256 input) external pure returns (bool) {
        return proof[0] == input;
    }

    /// All zeros: the rollup's constructor only hashes the words with the circuit id.
    function verifyingKey() external pure returns (uint256[18] memory vk) {}
}
