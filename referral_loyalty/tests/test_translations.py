"""Arabic and Spanish translations of the app: every message frappe extracts from it is translated,
placeholders and HTML tags survive, and frappe serves the translations at run time."""

import csv
import json
import os
import re
from collections import Counter
from contextlib import contextmanager
from glob import glob

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.translate import (
	clear_cache,
	get_messages_for_app,
	get_translation_dict_from_file,
	get_translations_from_apps,
)
from frappe.utils import get_bench_path

from referral_loyalty.install import CUSTOM_FIELDS, PROPERTY_SETTERS
from referral_loyalty.rules import eligibility
from referral_loyalty.services.reasons import reason_label

APP = "referral_loyalty"
LANGUAGES = ("ar", "es")
PLACEHOLDER = re.compile(r"\{\d*\}")
HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def csv_path(lang: str) -> str:
	return frappe.get_app_path(APP, "translations", f"{lang}.csv")


def _add(messages: set, message, context=None) -> None:
	if isinstance(message, list | tuple):  # plural forms: the singular is the msgid
		message = message[0]
	if isinstance(message, str) and message.strip():
		messages.add((message, context if isinstance(context, str) and context else None))


def app_messages() -> set[tuple[str, str | None]]:
	"""(message, context) of every user-facing string of the app."""
	messages: set[tuple[str, str | None]] = set()

	# frappe.translate's extractor: DocTypes, reports, pages, JS/Python/HTML/Vue sources, navbar.
	# It skips files already scanned in this process, so start from a clean slate.
	scanned = frappe.flags.get("scanned_files")
	frappe.flags.scanned_files = set()
	try:
		for row in get_messages_for_app(APP):
			_add(messages, row[1], row[2] if len(row) > 2 else None)
	finally:
		frappe.flags.scanned_files = scanned if scanned is not None else set()

	# The gettext extractor of `bench generate-pot-file` also reads workspace labels and report names.
	from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
	from frappe.gettext.translate import get_method_map

	keywords = {**DEFAULT_KEYWORDS, "_lt": None}
	source = os.path.join(get_bench_path(), "apps", APP)

	def wanted(path) -> bool:
		name = os.path.basename(path)
		return not (name.startswith((".", "_")) or name == "node_modules")

	for _file, _line, message, _comments, context in extract_from_dir(
		source, get_method_map("frappe"), directory_filter=wanted, keywords=keywords
	):
		_add(messages, message, context)

	# Custom fields and property setters this app installs on other apps' DocTypes.
	for fields in CUSTOM_FIELDS.values():
		for field in fields:
			_add(messages, field.get("label"))
			_add(messages, field.get("description"))
			if field.get("fieldtype") == "Select":
				for option in (field.get("options") or "").split("\n"):
					_add(messages, option)
	for _doctype, _fieldname, prop, value, _type in PROPERTY_SETTERS:
		if prop in ("label", "description"):
			_add(messages, value)

	# Number cards and print formats shipped as standard records.
	module_path = frappe.get_module_path("Referral Loyalty")
	for path in glob(os.path.join(module_path, "number_card", "*", "*.json")):
		with open(path) as f:
			_add(messages, json.load(f).get("label"))
	for path in glob(os.path.join(module_path, "print_format", "*", "*.json")):
		with open(path) as f:
			_add(messages, json.load(f).get("name"))

	return messages


@contextmanager
def language(lang: str):
	previous = getattr(frappe.local, "lang", None)
	frappe.local.lang = lang
	clear_cache()
	try:
		yield
	finally:
		frappe.local.lang = previous
		clear_cache()


class TestTranslations(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.messages = app_messages()
		cls.tables = {lang: get_translation_dict_from_file(csv_path(lang), lang, APP) for lang in LANGUAGES}

	def test_extractor_finds_the_app_messages(self):
		# guards against an extractor that silently finds nothing, which would make the test below vacuous
		for message in (
			"Referral",
			"Referral Period",
			"Referral code {0} is disabled.",
			"Share and save",
			"Active Referral Codes",
			"My Referral Code",
			"a customer cannot use their own referral code",
		):
			self.assertIn((message, None), self.messages)
		self.assertGreater(len(self.messages), 200)

	def test_every_message_is_translated(self):
		for lang in LANGUAGES:
			table = self.tables[lang]
			missing = sorted(
				(message, context or "")
				for message, context in self.messages
				if not ((context and table.get(f"{message}:{context}")) or table.get(message))
			)
			self.assertFalse(
				missing,
				f"{len(missing)} message(s) without a translation in {csv_path(lang)}:\n"
				+ "\n".join(f"{m!r} ({c})" if c else repr(m) for m, c in missing),
			)

	def test_rows_are_well_formed_and_keep_placeholders_and_tags(self):
		for lang in LANGUAGES:
			with open(csv_path(lang), encoding="utf-8", newline="") as f:
				rows = list(csv.reader(f))
			self.assertTrue(rows, lang)
			keys = Counter()
			for row in rows:
				with self.subTest(lang=lang, row=row):
					self.assertIn(len(row), (2, 3))
					source, translation = row[0], row[1]
					context = row[2] if len(row) == 3 else ""
					keys[(source, context)] += 1
					self.assertTrue(source.strip())
					self.assertTrue(translation.strip())
					self.assertEqual(translation, translation.strip())
					self.assertEqual(
						Counter(PLACEHOLDER.findall(source)), Counter(PLACEHOLDER.findall(translation))
					)
					self.assertEqual(HTML_TAG.findall(source), HTML_TAG.findall(translation))
			duplicates = [key for key, count in keys.items() if count > 1]
			self.assertFalse(duplicates, f"{lang}: entered twice: {duplicates}")

	def test_frappe_loads_the_files_and_no_other_app_overrides_them(self):
		for lang in LANGUAGES:
			loaded = get_translations_from_apps(lang)
			for key, translation in self.tables[lang].items():
				self.assertEqual(loaded.get(key), translation, f"{lang}: {key}")

	def test_translate_function_returns_the_translation(self):
		samples = (
			"Referral Period",
			"Referral Code",
			"Referral code {0} is disabled.",
			"This referral code has reached its usage limit.",
			"Thank you for recommending us: a friend you referred has joined. Your reward coupon is {0}; use it on your next purchase.",
		)
		for lang in LANGUAGES:
			table = self.tables[lang]
			with language(lang):
				for source in samples:
					self.assertEqual(_(source), table[source], f"{lang}: {source}")
					self.assertNotEqual(_(source), source)
				message = samples[2]
				self.assertEqual(_(message).format("AB2C-3D4E"), table[message].replace("{0}", "AB2C-3D4E"))
				# a generic word keeps its general sense, the app's field gets its own
				word = "Copy"
				self.assertEqual(_(word, context="Referral Period"), table["Copy:Referral Period"])
				self.assertNotEqual(table["Copy:Referral Period"], table["Copy"])

	def test_reason_labels_are_translated(self):
		with language("en"):
			english = {reason: reason_label(reason) for reason in eligibility.ALL_REASONS}
		for reason, label in english.items():
			self.assertNotEqual(label, reason, f"{reason} has no label")
		for lang in LANGUAGES:
			table = self.tables[lang]
			with language(lang):
				for reason in eligibility.ALL_REASONS:
					translated = reason_label(reason)
					self.assertEqual(translated, table[english[reason]], f"{lang}: {reason}")
					self.assertNotEqual(translated, english[reason])
