from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from referral_loyalty.rules import sales as s
from referral_loyalty.rules.sales import AppliedOffer, Line


def line(row_id="", offers=(), price="100", rate="100", qty="1", net=None, cost="0"):
	net = D(net) if net is not None else D(rate) * D(qty)
	return Line(
		row_id=row_id,
		offer_rows=tuple(offers),
		price_list_rate=D(price),
		rate=D(rate),
		qty=D(qty),
		net_amount=net,
		incoming_rate=D(cost),
		stock_qty=D(qty),
	)


def test_offer_rows_of_reads_a_json_list_and_nothing_else():
	assert s.offer_rows_of('["a", "b"]') == ("a", "b")
	assert s.offer_rows_of("") == ()
	assert s.offer_rows_of(None) == ()
	assert s.offer_rows_of("not json") == ()
	assert s.offer_rows_of('{"a": 1}') == ()
	assert s.offer_rows_of('["a", null, ""]') == ("a",)


def test_sale_totals_are_net_sales_and_margin_over_valuation():
	totals = s.sale_totals([line(rate="80", qty="2", cost="50"), line(rate="10", qty="3", cost="4")])
	assert totals.net_sales == D(190)
	assert totals.gross_profit == D(190) - D(100) - D(12)


def test_a_grand_total_coupon_gave_the_sale_s_additional_discount():
	lines = [line(price="100", rate="90")]
	assert s.coupon_discount(s.GRAND_TOTAL_OFFER, "C1", lines, [], D("12.5")) == D("12.5")
	alone = [AppliedOffer(row_id="o1", coupon="C1", kind=s.GRAND_TOTAL_OFFER)]
	assert s.coupon_discount(s.GRAND_TOTAL_OFFER, "C1", lines, alone, D("12.5")) == D("12.5")


@given(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=10_000))
def test_grand_total_coupons_of_one_sale_share_its_discount_once(coupons, cents):
	discount = D(cents) / 100
	offers = [AppliedOffer(row_id=f"o{i}", coupon=f"C{i}", kind=s.GRAND_TOTAL_OFFER) for i in range(coupons)]
	offers.append(AppliedOffer(row_id="x", coupon="I1", kind="Item Price"))  # shares nothing of it
	given_off = [
		s.coupon_discount(s.GRAND_TOTAL_OFFER, f"C{i}", [], offers, discount) for i in range(coupons)
	]
	assert abs(sum(given_off) - discount) < D("1e-20")
	assert len(set(given_off)) == 1


def test_an_item_coupon_gave_the_discount_of_the_lines_its_offer_tagged():
	lines = [
		line(row_id="l1", offers=["o1"], price="50", rate="40", qty="2"),  # tagged by C1's offer: 20
		line(row_id="l2", offers=["o2"], price="30", rate="15", qty="1"),  # another coupon's
		line(row_id="l3", price="10", rate="0", qty="1"),  # the item C1's offer gave: 10
		line(row_id="l4", offers=["o1"], price="10", rate="12", qty="1"),  # dearer than listed: 0
	]
	offers = [
		AppliedOffer(row_id="o1", coupon="C1", give_item_row_id="l3"),
		AppliedOffer(row_id="o2", coupon="C2"),
	]
	assert s.coupon_discount("Item Price", "C1", lines, offers, D(99)) == D(30)
	assert s.coupon_discount("Give Product", "C2", lines, offers, D(99)) == D(15)
	assert s.coupon_discount("Item Price", "C3", lines, offers, D(99)) == D(0)


def test_other_offers_give_no_discount():
	lines = [line(row_id="l1", offers=["o1"], price="50", rate="40")]
	offers = [AppliedOffer(row_id="o1", coupon="C1")]
	assert s.coupon_discount("Loyalty Point", "C1", lines, offers, D(5)) == D(0)


@given(st.integers(min_value=1, max_value=4), st.lists(st.integers(0, 3), min_size=1, max_size=6))
def test_a_line_counts_once_however_many_of_the_coupon_s_offers_tag_it(copies, tags):
	offers = [AppliedOffer(row_id=f"o{i}", coupon="C1", give_item_row_id="l0") for i in range(copies)]
	lines = [
		line(row_id=f"l{k}", offers=[f"o{i}" for i in range(copies)] * (t + 1), price="10", rate="7")
		for k, t in enumerate(tags)
	]
	assert s.coupon_discount("Item Price", "C1", lines, offers, D(0)) == D(3) * len(tags)
