"""Referral code format: Crockford base32 with a Damm check symbol.

A new code is 8 random symbols from Crockford's alphabet (no I, L, O, U) plus one check symbol,
stored canonical (``7KQ4M2XD9``) and shown grouped (``7KQ4-M2XD-9``). The check symbol is computed
with the Damm algorithm over the quasigroup ``x * y = 2x + y`` in GF(32): it is totally
anti-symmetric, so every single-symbol substitution and every adjacent transposition is caught.

Codes issued by POS Awesome before this app (10 upper-case hex by default, but any text a user
typed) stay valid and are matched case-insensitively.

Nothing here imports frappe.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import Enum

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 8
CODE_LENGTH = BODY_LENGTH + 1
LEGACY_MAX_LENGTH = 140
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
# What a cashier may type for a symbol: Crockford's reading of look-alikes.
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
_GF32_POLY = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)
_DAMM_FACTOR = 2  # any element other than 0 and 1 makes the quasigroup totally anti-symmetric


class CodeKind(str, Enum):
	NEW = "new"
	LEGACY = "legacy"
	INVALID = "invalid"


@dataclass(frozen=True)
class ParsedCode:
	kind: CodeKind
	canonical: str  # the stored form for NEW, the trimmed upper-case text for LEGACY, "" for INVALID
	problem: str = ""  # for INVALID: "empty", "too_long", "bad_characters", "check_symbol"


def _gf32_mul(a: int, b: int) -> int:
	result = 0
	while b:
		if b & 1:
			result ^= a
		b >>= 1
		a <<= 1
		if a & 0b100000:
			a ^= _GF32_POLY
	return result


def _damm_op(interim: int, value: int) -> int:
	return _gf32_mul(_DAMM_FACTOR, interim) ^ value


def _damm_interim(values: list[int]) -> int:
	interim = 0
	for value in values:
		interim = _damm_op(interim, value)
	return interim


def check_symbol(body: str) -> str:
	"""The check symbol for a body of alphabet symbols (the value c with interim * c == 0)."""
	interim = _damm_interim([_VALUE[s] for s in body])
	return ALPHABET[_gf32_mul(_DAMM_FACTOR, interim)]


def is_valid_canonical(code: str) -> bool:
	"""True for a 9-symbol canonical code whose check symbol matches."""
	if len(code) != CODE_LENGTH or any(s not in _VALUE for s in code):
		return False
	return _damm_interim([_VALUE[s] for s in code]) == 0


def generate_code(randbelow=secrets.randbelow) -> str:
	"""A new random canonical code."""
	body = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(BODY_LENGTH))
	return body + check_symbol(body)


def normalise(raw: str) -> str:
	"""What the cashier typed, reduced to symbols: upper-case, separators gone, I/L→1, O→0."""
	return _SEPARATORS.sub("", raw).upper().translate(_LOOKALIKES)


def display(code: str) -> str:
	"""Grouped form for people: ``7KQ4-M2XD-9``. Legacy codes are shown as stored."""
	if is_valid_canonical(code):
		return f"{code[:4]}-{code[4:8]}-{code[8:]}"
	return code


def parse(raw: str | None) -> ParsedCode:
	"""Classify what a cashier typed.

	NEW: it reads as a 9-symbol code with a matching check symbol (canonical form given).
	INVALID with problem "check_symbol": it reads as 9 alphabet symbols but the check fails —
	a typo, reported as such instead of a vague "unknown code".
	LEGACY: anything else that looks like text a code could be (to be looked up as stored).
	"""
	if raw is None or not str(raw).strip():
		return ParsedCode(CodeKind.INVALID, "", "empty")
	text = str(raw).strip()
	if len(text) > LEGACY_MAX_LENGTH:
		return ParsedCode(CodeKind.INVALID, "", "too_long")
	symbols = normalise(text)
	if len(symbols) == CODE_LENGTH and all(s in _VALUE for s in symbols):
		if is_valid_canonical(symbols):
			return ParsedCode(CodeKind.NEW, symbols)
		return ParsedCode(CodeKind.INVALID, "", "check_symbol")
	if not all(ch.isalnum() or ch in "-_ ." for ch in text) or not text.isascii():
		return ParsedCode(CodeKind.INVALID, "", "bad_characters")
	return ParsedCode(CodeKind.LEGACY, text.upper())
