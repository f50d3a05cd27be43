// Prices an order: { items: [{ sku, quantity }] } → { currency, lines, total }.
const PRICES = { 'coffee-beans': 1250, 'paper-filters': 399, grinder: 4900 }; // cents

export const handler = async (event) => {
  const lines = (event.items ?? []).map(({ sku, quantity = 1 }) => {
    const unit = PRICES[sku];
    if (unit === undefined) throw new Error(`unknown item: ${sku}`);
    return { sku, quantity, amount: unit * quantity };
  });
  if (lines.length === 0) throw new Error('an order needs at least one item');
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  console.log(`quoted ${lines.length} lines: ${total} cents`);
  return { currency: 'EUR', lines, total };
};
