from hypothesis import given
from hypothesis import strategies as st

from referral_loyalty.rules import referrer_search as rs
from referral_loyalty.rules.eligibility import normalise_mobile


def test_a_full_mobile_is_read_as_a_number_of_the_shops_country():
	q = rs.read_query(" 612 345 678 ", "ES")
	assert q.kind == rs.MOBILE
	assert q.mobile == "+34612345678"
	assert q.mobile_key == "876543216"


def test_every_spelling_of_a_number_starts_with_its_key_reversed():
	key = rs.read_query("612345678", "ES").mobile_key
	for stored in ("+34 612 345 678", "0034612345678", "612-345-678", "(612) 345 678", "+34612345678"):
		assert "".join(ch for ch in stored if ch.isdigit())[::-1].startswith(key), stored


def test_names_and_problems():
	assert rs.read_query("Mar", "ES") == rs.ReferrerQuery(rs.NAME, name="Mar")
	assert rs.read_query("  maría   lópez ", "ES").name == "maría lópez"
	assert rs.read_query("محمد", "AE").kind == rs.NAME
	assert rs.read_query("Ma", "ES").problem == rs.TOO_SHORT
	assert rs.read_query("a1%_", "ES").problem == rs.TOO_SHORT
	assert (
		rs.read_query("6123", "ES").problem == rs.TOO_SHORT
	)  # part of a number: nobody by their last digits
	assert rs.read_query("", "ES").problem == rs.EMPTY
	assert rs.read_query("   ", "ES").problem == rs.EMPTY
	assert rs.read_query(None, "ES").problem == rs.EMPTY
	assert rs.read_query(["Maria"], "ES").problem == rs.EMPTY
	assert rs.read_query("x" * 10_000, "ES").problem == rs.TOO_LONG


def test_label_is_first_name_and_last_initial():
	assert rs.label("Maria Garcia") == "Maria G."
	assert rs.label("  maria   lopez  garcia ") == "maria G."
	assert rs.label("Maria") == "Maria"
	assert rs.label("محمد علي") == "محمد ع."
	assert rs.label("") == ""
	assert rs.label(None) == ""


def test_hint_is_the_last_two_digits():
	assert rs.hint("+34 612 345 678") == "78"
	assert rs.hint("") == ""
	assert rs.hint(None) == ""
	assert rs.hint("7") == ""


def test_merge_keeps_order_drops_repeats_and_limits():
	assert rs.merge([1, 2], [2, 3], [4, 5, 6]) == [1, 2, 3, 4, 5]
	assert rs.merge([], [3, 3]) == [3]


@given(st.text(max_size=200))
def test_any_text_is_read_without_error(text):
	q = rs.read_query(text, "ES")
	assert (q.kind is None) == bool(q.problem)
	if q.kind == rs.NAME:
		assert sum(ch.isalpha() for ch in q.name) >= rs.MIN_NAME_LETTERS
	if q.kind == rs.MOBILE:
		assert q.mobile == normalise_mobile(text, "ES")


@given(
	st.lists(
		st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12), min_size=2, max_size=5
	)
)
def test_a_label_shows_the_first_word_and_one_letter_of_the_last(words):
	out = rs.label(" ".join(words))
	assert out == f"{words[0]} {words[-1][0].upper()}."
	for middle in words[1:-1]:
		assert len(middle) < 2 or middle not in out.removeprefix(words[0])
