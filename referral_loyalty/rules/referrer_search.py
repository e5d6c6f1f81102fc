"""Finding a referrer at the till when the customer has no code with them: reading what the
cashier typed, and what the till may show of a customer found. Frappe-free.

A found customer is shown only as a first name with a last initial ("Maria G."), the last two
digits of their mobile and their code: enough for the new customer at the counter to recognise
their friend, never enough to read anyone's name, number or e-mail from the till.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from referral_loyalty.rules.eligibility import normalise_mobile

MIN_NAME_LETTERS = 3
MAX_QUERY_LENGTH = 80
MAX_RESULTS = 5

MOBILE = "mobile"
NAME = "name"

# problems with what was typed
EMPTY = "empty"
TOO_LONG = "too_long"
TOO_SHORT = "too_short"

_PHONE_TEXT = re.compile(r"[+\d\s().\-/]+")
_NON_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class ReferrerQuery:
	"""What the cashier typed, read as a full mobile number or as the start of a name."""

	kind: str | None  # MOBILE, NAME, or None with a problem
	mobile: str = ""  # the number as numbers are compared (E.164 when it parses)
	mobile_key: str = ""  # its national digits reversed (see mobile_key)
	name: str = ""  # the name's start, spaces collapsed
	problem: str | None = None  # EMPTY, TOO_LONG, TOO_SHORT


def read_query(raw: str | None, region: str | None = None) -> ReferrerQuery:
	"""A full mobile number (only phone characters and at least six digits; read with the shop's
	country ``region``) or a name with at least MIN_NAME_LETTERS letters. A part of a number is
	no mobile: nobody is found by the last digits of their number."""
	text = raw if isinstance(raw, str) else ""
	if len(text) > MAX_QUERY_LENGTH:
		return ReferrerQuery(None, problem=TOO_LONG)
	text = " ".join(text.split())
	if not text:
		return ReferrerQuery(None, problem=EMPTY)
	if _PHONE_TEXT.fullmatch(text):
		mobile = normalise_mobile(text, region)
		if not mobile:
			return ReferrerQuery(None, problem=TOO_SHORT)
		return ReferrerQuery(MOBILE, mobile=mobile, mobile_key=mobile_key(mobile))
	if sum(ch.isalpha() for ch in text) < MIN_NAME_LETTERS:
		return ReferrerQuery(None, problem=TOO_SHORT)
	return ReferrerQuery(NAME, name=text)


def mobile_key(mobile: str) -> str:
	"""The number's national digits, reversed: the start of the reversed digits of every way the
	number can be written (``+34 612 345 678``, ``0034612345678``, ``612-345-678`` all reverse to
	``876543216…``), so one index on reversed digits finds them all with a prefix match. What it
	finds is then compared as a whole number (``normalise_mobile``)."""
	if mobile.startswith("+"):
		try:
			return str(phonenumbers.parse(mobile).national_number)[::-1]
		except phonenumbers.NumberParseException:
			pass
	return _NON_DIGITS.sub("", mobile)[::-1]


def label(customer_name: str | None) -> str:
	"""First name and last initial: "Maria Lopez Garcia" → "Maria G."; one word stays as it is."""
	words = (customer_name or "").split()
	if not words:
		return ""
	if len(words) == 1:
		return words[0]
	return f"{words[0]} {words[-1][0].upper()}."


def hint(mobile: str | None) -> str:
	"""The last two digits of the mobile, or "" when there is no number."""
	digits = _NON_DIGITS.sub("", mobile or "")
	return digits[-2:] if len(digits) >= 2 else ""


def merge(*groups, key=lambda row: row, limit: int = MAX_RESULTS) -> list:
	"""The rows of the groups in order (first group first), each once, at most ``limit``."""
	seen, out = set(), []
	for group in groups:
		for row in group:
			k = key(row)
			if k in seen:
				continue
			seen.add(k)
			out.append(row)
			if len(out) == limit:
				return out
	return out
