"""What a sale says to the referral programme's sales ledger: the referee's net sales and gross
profit on it, and the discount each reward coupon applied on it gave. Frappe-free.

- Net sales are the lines' net amount; gross profit is ERPNext's (its Gross Profit report): the
  net amount less the valuation of what was sold (``incoming_rate`` x stock quantity).
- A coupon for a "Grand Total" offer gave the sale's additional discount, which is what POS
  Awesome sets from such an offer; several coupons of "Grand Total" offers on one sale share it
  equally (the discount is counted once).
- A coupon for an item offer ("Item Price", "Give Product") gave the item discount,
  ``(price_list_rate - rate) * qty``, on the lines POS Awesome tagged with the offer: the line's
  ``posa_offers`` names the offer's row, or the line is the item the offer gave
  (``give_item_row_id``). A line counts once per coupon however many of its offers tag it.
- Other offers (loyalty points) give no discount. Amounts are in company currency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

INVOICE_DOCTYPES = ("Sales Invoice", "POS Invoice")  # the sales the programme reads
GRAND_TOTAL_OFFER = "Grand Total"
ITEM_OFFERS = ("Item Price", "Give Product")

ZERO = Decimal(0)


@dataclass(frozen=True)
class Line:
	row_id: str = ""  # POS Awesome's posa_row_id
	offer_rows: tuple[str, ...] = ()  # the row ids of the offers that tagged the line
	price_list_rate: Decimal = ZERO
	rate: Decimal = ZERO
	qty: Decimal = ZERO
	net_amount: Decimal = ZERO
	incoming_rate: Decimal = ZERO
	stock_qty: Decimal = ZERO


@dataclass(frozen=True)
class AppliedOffer:
	"""An offer row of the sale (POS Awesome's ``posa_offers``)."""

	row_id: str = ""
	coupon: str = ""
	give_item_row_id: str = ""
	kind: str = ""  # the offer's type ("Grand Total", "Item Price", …)


@dataclass(frozen=True)
class SaleTotals:
	net_sales: Decimal
	gross_profit: Decimal


def offer_rows_of(posa_offers: str | None) -> tuple[str, ...]:
	"""The offer row ids a line's ``posa_offers`` holds (a JSON list; anything else holds none)."""
	if not posa_offers:
		return ()
	try:
		value = json.loads(posa_offers)
	except (TypeError, ValueError):
		return ()
	if not isinstance(value, list):
		return ()
	return tuple(str(row_id) for row_id in value if row_id)


def sale_totals(lines: Iterable[Line]) -> SaleTotals:
	net = profit = ZERO
	for line in lines:
		net += line.net_amount
		profit += line.net_amount - line.incoming_rate * line.stock_qty
	return SaleTotals(net_sales=net, gross_profit=profit)


def coupon_discount(
	offer_kind: str,
	coupon: str,
	lines: Iterable[Line],
	applied_offers: Iterable[AppliedOffer],
	invoice_discount: Decimal,
) -> Decimal:
	"""What the reward ``coupon`` (of an offer of ``offer_kind``) took off the sale."""
	applied_offers = list(applied_offers)
	if offer_kind == GRAND_TOTAL_OFFER:
		sharing = {
			offer.coupon for offer in applied_offers if offer.kind == GRAND_TOTAL_OFFER and offer.coupon
		}
		return invoice_discount / len(sharing | {coupon})
	if offer_kind not in ITEM_OFFERS:
		return ZERO
	mine = [offer for offer in applied_offers if offer.coupon == coupon]
	row_ids = {offer.row_id for offer in mine if offer.row_id}
	given = {offer.give_item_row_id for offer in mine if offer.give_item_row_id}
	discount = ZERO
	for line in lines:
		if row_ids.intersection(line.offer_rows) or (line.row_id and line.row_id in given):
			if line.price_list_rate > line.rate:
				discount += (line.price_list_rate - line.rate) * line.qty
	return discount
