"""The Spanish catalogues are complete, and the committed .mo files match the .po files."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    *sorted(
        p
        for p in ROOT.glob("*/locale/es/LC_MESSAGES/django.po")
        if not {".venv", "mutants"} & set(p.relative_to(ROOT).parts)  # mutants/: make mutation
    ),
    ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po",
]


def _entries(po: Path) -> list[str]:
    # Entries are separated by blank lines; the first is the header.
    return po.read_text(encoding="utf-8").strip().split("\n\n")[1:]


def _unquote(block: str) -> str:
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated(po):
    assert len(CATALOGUES) >= 3
    untranslated = []
    for entry in _entries(po):
        if entry.lstrip().startswith("#~"):
            continue
        if "#, fuzzy" in entry or "fuzzy," in entry:
            untranslated.append(entry)
            continue
        strings = re.split(r"\nmsgstr(?:\[\d\])? ", entry)[1:]
        if any(not _unquote(s) for s in strings):
            untranslated.append(entry)
    assert untranslated == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalogue_is_current(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _entries(po):
        if "msgid_plural" in entry or entry.lstrip().startswith("#~"):
            continue
        match = re.search(
            r"\nmsgid ((?:\"(?:[^\"\\]|\\.)*\"\n?)+)msgstr ((?:\"(?:[^\"\\]|\\.)*\"\n?)+)",
            "\n" + entry,
        )
        if not match:
            continue
        msgid, msgstr = _unquote(match.group(1)), _unquote(match.group(2))
        context = re.search(r'msgctxt "((?:[^"\\]|\\.)*)"', entry)
        key = f"{context.group(1)}\x04{msgid}" if context else msgid
        assert compiled._catalog.get(key) == msgstr, (  # type: ignore[attr-defined]
            f"{mo} is stale for {msgid!r}: run `make messages`"
        )


# The Spanish addresses the reader as "usted", as Django's and allauth's Spanish do. These are
# the "tú" forms the catalogues had or could plausibly get: possessives, pronouns and
# second-person verbs anywhere, and imperatives that are also third-person verbs ("una
# propuesta espera") only where a sentence starts with them.
TU_FORMS = re.compile(
    r"\b(tú|tu|tus|tuyo|tuya|te|ti|contigo|has|puedes|quieres|tienes|estás|eres|recibes|"
    r"participas|abriste|editaste|guardes|votaste|inténtalo|previsualízalos|envíalos|revísala|"
    r"revísalas|apruébala|recházala|mírala|déjalo|valórate)\b"
    r"|(?:^|[.:;¿¡(]\s*)(Inicia|Verifica|Indica|Elige|Espera|Retira|Añade|Abre|Empieza|"
    r"Previsualiza|Vuelve|Desactiva|Explica|Usa|Confirma|Escribe|Revisa|Guarda|Copia)\b",
    re.IGNORECASE,
)


def _msgstrs(po: Path) -> list[str]:
    found: list[str] = []
    for entry in _entries(po):
        if entry.lstrip().startswith("#~"):
            continue
        found.extend(_unquote(s) for s in re.split(r"\nmsgstr(?:\[\d\])? ", entry)[1:])
    return found


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_spanish_says_usted_everywhere(po):
    assert [s for s in _msgstrs(po) if TU_FORMS.search(s)] == []


def test_the_tu_check_catches_tu():
    assert TU_FORMS.search("Inicia sesión para votar")
    assert TU_FORMS.search("Se contó tu voto.")
    assert not TU_FORMS.search("Inicie sesión para votar. Se contó su voto.")


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        (
            "To confirm this is correct, go to %(activate_url)s",
            "Para confirmar que es correcto, vaya a %(activate_url)s",
        ),
        (
            "Be patient, you are sending too many requests.",
            "Tenga paciencia: está enviando demasiadas solicitudes.",
        ),
    ],
)
def test_our_catalogue_overrides_allauths_tu(english, spanish):
    from django.utils import translation

    with translation.override("es"):
        assert translation.gettext(english) == spanish
