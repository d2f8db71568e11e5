/**
 * Merchant categories and the risk tier each belongs to. The tiers are the kind of grouping a
 * fraud team keeps by hand: goods that resell easily (electronics, gift cards, crypto) are where
 * stolen cards go first.
 */
export type MerchantRiskTier = 'high' | 'medium' | 'low';

export const MERCHANT_RISK: Readonly<Record<string, MerchantRiskTier>> = {
  grocery: 'low',
  fuel: 'low',
  restaurants: 'low',
  pharmacy: 'low',
  transport: 'low',
  clothing: 'medium',
  travel: 'medium',
  digital_goods: 'medium',
  jewelry: 'medium',
  electronics: 'high',
  gift_cards: 'high',
  gambling: 'high',
  crypto: 'high',
};

export const MERCHANT_CATEGORIES: readonly string[] = Object.keys(MERCHANT_RISK);

export function categoriesInTier(tier: MerchantRiskTier): string[] {
  return MERCHANT_CATEGORIES.filter((category) => MERCHANT_RISK[category] === tier);
}
