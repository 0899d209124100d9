//! The listed tokens: symbol ↔ id ↔ L1 address ↔ decimals.

use crate::error::SdkError;
use alloy_primitives::Address;
use tern_types::TokenId;

/// A listed token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// L2 token id (0 is ETH).
    pub id: TokenId,
    /// Symbol, e.g. `ETH`.
    pub symbol: String,
    /// The ERC-20 on L1 (zero for ETH).
    pub address: Address,
    /// Decimals of one unit.
    pub decimals: u8,
}

impl Token {
    /// Whether this is ETH (deposited with value, no ERC-20 approval).
    pub fn is_eth(&self) -> bool {
        self.id == tern_types::ETH
    }

    /// A decimal amount of this token (`"1.5"`) in base units.
    pub fn parse(&self, amount: &str) -> Result<u128, SdkError> {
        Ok(crate::amount::parse_units(amount, self.decimals)?)
    }

    /// Base units as a decimal amount of this token, with its symbol: `1.5 ETH`.
    pub fn show(&self, value: u128) -> String {
        format!("{} {}", crate::amount::format_units(value, self.decimals), self.symbol)
    }
}

/// The tokens a node lists, looked up by what a user types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenList(Vec<Token>);

impl TokenList {
    /// A list of tokens, sorted by id.
    pub fn new(mut tokens: Vec<Token>) -> Self {
        tokens.sort_by_key(|t| t.id);
        Self(tokens)
    }

    /// All tokens, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Token> {
        self.0.iter()
    }

    /// The token with id `id`.
    pub fn by_id(&self, id: TokenId) -> Result<&Token, SdkError> {
        self.0.iter().find(|t| t.id == id).ok_or_else(|| SdkError::UnknownToken(id.0.to_string()))
    }

    /// A token by symbol (any case), decimal id or L1 address.
    pub fn resolve(&self, what: &str) -> Result<&Token, SdkError> {
        let found = if let Ok(id) = what.parse::<u16>() {
            self.0.iter().find(|t| t.id.0 == id)
        } else if let Ok(address) = what.parse::<Address>() {
            self.0.iter().find(|t| t.address == address)
        } else {
            self.0.iter().find(|t| t.symbol.eq_ignore_ascii_case(what))
        };
        found.ok_or_else(|| SdkError::UnknownToken(what.to_owned()))
    }
}

impl From<Vec<crate::network::DevnetToken>> for TokenList {
    fn from(tokens: Vec<crate::network::DevnetToken>) -> Self {
        Self::new(
            tokens
                .into_iter()
                .map(|t| Token {
                    id: TokenId(t.id),
                    symbol: t.symbol,
                    address: t.address,
                    decimals: t.decimals,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> TokenList {
        let dai: Address = "0x00000000000000000000000000000000000000da".parse().expect("address");
        TokenList::new(vec![
            Token { id: TokenId(1), symbol: "DAI".into(), address: dai, decimals: 18 },
            Token { id: TokenId(0), symbol: "ETH".into(), address: Address::ZERO, decimals: 18 },
        ])
    }

    #[test]
    fn resolves_symbol_id_and_address() {
        let l = list();
        assert_eq!(l.resolve("eth").expect("eth").id, TokenId(0));
        assert_eq!(l.resolve("1").expect("id").symbol, "DAI");
        assert_eq!(
            l.resolve("0x00000000000000000000000000000000000000dA").expect("address").symbol,
            "DAI"
        );
        assert!(matches!(l.resolve("USDC"), Err(SdkError::UnknownToken(s)) if s == "USDC"));
        assert_eq!(l.iter().next().map(|t| t.id), Some(TokenId(0)));
        assert_eq!(l.by_id(TokenId(1)).expect("dai").show(1_500_000_000_000_000_000), "1.5 DAI");
    }
}
