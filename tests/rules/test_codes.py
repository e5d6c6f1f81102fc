import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from referral_loyalty.rules import codes
from referral_loyalty.rules.codes import ALPHABET, CodeKind

bodies = st.text(alphabet=ALPHABET, min_size=codes.BODY_LENGTH, max_size=codes.BODY_LENGTH)


def test_alphabet_is_crockford_without_confusables():
	assert len(ALPHABET) == 32 == len(set(ALPHABET))
	assert not set("ILOU") & set(ALPHABET)


@given(bodies)
def test_generated_check_symbol_validates(body):
	code = body + codes.check_symbol(body)
	assert codes.is_valid_canonical(code)
	assert codes.parse(code) == codes.ParsedCode(CodeKind.NEW, code)


@given(bodies, st.integers(0, codes.CODE_LENGTH - 1), st.sampled_from(ALPHABET))
def test_every_single_substitution_is_caught(body, position, symbol):
	code = body + codes.check_symbol(body)
	if code[position] == symbol:
		return
	typo = code[:position] + symbol + code[position + 1 :]
	assert not codes.is_valid_canonical(typo)
	assert codes.parse(typo).problem == "check_symbol"


@given(bodies, st.integers(0, codes.CODE_LENGTH - 2))
def test_every_adjacent_transposition_is_caught(body, position):
	code = body + codes.check_symbol(body)
	a, b = code[position], code[position + 1]
	if a == b:
		return
	swapped = code[:position] + b + a + code[position + 2 :]
	assert not codes.is_valid_canonical(swapped)


def test_quasigroup_is_totally_anti_symmetric_exhaustively():
	# (c*x)*y == (c*y)*x only when x == y: the property behind transposition detection.
	for c in range(32):
		for x in range(32):
			for y in range(32):
				if x != y:
					assert codes._damm_op(codes._damm_op(c, x), y) != codes._damm_op(codes._damm_op(c, y), x)
	for c in range(32):  # each row is a permutation: single substitutions change the result
		assert len({codes._damm_op(c, x) for x in range(32)}) == 32


@given(bodies, st.lists(st.sampled_from([" ", "-", "  ", "\t"]), max_size=4), st.booleans())
def test_what_a_cashier_types_normalises_to_canonical(body, separators, lower):
	code = body + codes.check_symbol(body)
	typed = codes.display(code)
	for i, sep in enumerate(separators):
		pos = (i * 3) % len(typed)
		typed = typed[:pos] + sep + typed[pos:]
	typed = typed.replace("1", "I").replace("0", "O")
	if lower:
		typed = typed.lower()
	assert codes.parse(f"  {typed} ").canonical == code


@given(bodies)
def test_display_groups_four_four_one(body):
	code = body + codes.check_symbol(body)
	shown = codes.display(code)
	assert shown.split("-") == [code[:4], code[4:8], code[8]]
	assert codes.parse(shown).canonical == code


def test_generate_code_is_canonical_and_random():
	generated = {codes.generate_code() for _ in range(200)}
	assert len(generated) == 200
	assert all(codes.is_valid_canonical(c) for c in generated)


@given(st.text(alphabet="0123456789ABCDEF", min_size=10, max_size=10))
def test_legacy_posawesome_codes_are_recognised(hex_code):
	parsed = codes.parse(hex_code.lower())
	assert parsed.kind == CodeKind.LEGACY
	assert parsed.canonical == hex_code


@given(st.text(max_size=300))
def test_parse_never_raises_on_any_text(raw):
	parsed = codes.parse(raw)
	assert parsed.kind in set(CodeKind)
	if parsed.kind == CodeKind.INVALID:
		assert parsed.problem


def test_bad_inputs_have_a_problem():
	assert codes.parse("").problem == "empty"
	assert codes.parse(None).problem == "empty"
	assert codes.parse("x" * 10_000).problem == "too_long"
	assert codes.parse("'; DROP TABLE x;--").problem == "bad_characters"
	assert codes.parse("كود١٢٣").problem == "bad_characters"


def test_rules_core_imports_nothing_from_frappe():
	rules_dir = Path(codes.__file__).parent
	for path in rules_dir.glob("*.py"):
		tree = ast.parse(path.read_text())
		for node in ast.walk(tree):
			names = []
			if isinstance(node, ast.Import):
				names = [a.name for a in node.names]
			elif isinstance(node, ast.ImportFrom):
				names = [node.module or ""]
			assert not any(
				n == "frappe" or n.startswith(("frappe.", "erpnext", "posawesome")) for n in names
			), path
