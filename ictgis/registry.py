"""Commune codes and names checked against a maintained registry of Vietnam's administrative units.

The registry is the package ``vietnamadminunits`` (MIT), installed with the optional extra
``ictgis[admin]``. It holds both eras, read from its own files (no network):

- ``2025``: the units from 1 July 2025 (34 provinces, two tiers, table ``admin_units``);
- ``before_2025``: the units just before (63 provinces, districts, table
  ``admin_units_legacy``);

and the official conversion of every former commune to its successor (the default one when a
former commune was divided). Codes are the GSO codes of communes (5 digits, ``28249``); most
communes of 2025 kept the code of one of their former communes.

:func:`check_communes` lists, as warnings: codes that are not in the registry (with the entry
whose name comes closest), names that differ from the registry's name of their code or spell it
otherwise (diacritics), names the registry does not know (with the closest), and, in a layer of
2025 units, codes and names of former communes with their successor. Without the package,
:func:`available` is False and nothing here can run; the rest of ictgis does not need it.
"""

from __future__ import annotations

import difflib
import functools
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from typing import TYPE_CHECKING, Any

import pandas as pd

from ictgis import validate
from ictgis.i18n import Message, number, t
from ictgis.io import WHERE
from ictgis.text import NameMatcher, fold, split_prefix
from ictgis.workspace import NO_CODE_PREFIX

if TYPE_CHECKING:
    import geopandas as gpd

    from ictgis.workspace import Workspace

#: The registry's package (the extra ``ictgis[admin]``).
PACKAGE = "vietnamadminunits"

#: Era -> the registry's table of that era's units.
TABLES: Mapping[str, str] = {"2025": "admin_units", "before_2025": "admin_units_legacy"}

#: The eras a layer can be checked against.
ERAS: tuple[str, ...] = tuple(TABLES)

#: Names whose base differs from the closest registry base by less than this ratio
#: (:class:`difflib.SequenceMatcher`) get no suggestion.
CLOSE_RATIO = 0.75

#: Era -> the message naming it.
_ERA_TEXTS: Mapping[str, str] = {"2025": "registry.era.2025", "before_2025": "registry.era.before_2025"}

#: A layer's codes are taken for the registry's (GSO) codes when at least this share of them
#: is in the registry (of either era); otherwise they are some other numbering, and only the
#: names are checked.
GSO_SHARE = 0.5

#: Problem kinds (the ``code`` column of the problem table).
KINDS: tuple[str, ...] = ("registry_unknown_code", "registry_name_differs", "registry_spelling",
                          "registry_code_of_other", "registry_unknown_name",
                          "registry_former_code", "registry_former_name")


def available() -> bool:
    """Whether the registry package can be imported (the extra ``ictgis[admin]``)."""
    try:
        import vietnamadminunits.database  # noqa: F401  (optional extra)
    except ImportError:
        return False
    return True


def version() -> str:
    """The installed registry's version (``1.0.4``)."""
    return metadata.version(PACKAGE)


def era_of(tiers: int) -> str:
    """The registry era of a workspace: ``2025`` with two tiers, else ``before_2025``."""
    return "2025" if tiers == 2 else "before_2025"


def check_workspace(ws: Workspace) -> tuple[pd.DataFrame, Message]:
    """Check a workspace's communes against the registry, unless there is a reason not to.

    The era is :func:`era_of` the workspace's tiers. The check is skipped when the workspace
    is synthetic (its codes and names are invented) or the registry is not installed.

    Returns
    -------
    tuple
        The problems found (warnings; none when skipped), and one line saying what was checked
        or why not (``registry.checked``, ``registry.checked_names`` when the layer's codes
        are not the registry's, ``registry.skipped.synthetic``, ``registry.skipped.missing``).
    """
    if ws.config.synthetic:
        return validate.empty_problems(), t("registry.skipped.synthetic")
    if not available():
        return validate.empty_problems(), t("registry.skipped.missing")
    era = era_of(ws.tiers)
    found = check_communes(ws.communes, era=era, province=ws.config.province,
                           file=ws.config.layers["communes"].label)
    said = "registry.checked" if gso_codes(ws.communes["code"]) else "registry.checked_names"
    return found, t(said, communes=number(len(ws.communes), 0), n=number(len(found), 0),
                    era=t(_ERA_TEXTS[era]), version=version())


def gso_codes(codes: pd.Series) -> bool:
    """Whether a layer's commune codes are the registry's: :data:`GSO_SHARE` of them known.

    Codes are read as the registry writes them (5 digits); blank codes and the keys ictgis
    gives communes without a code (``NOCODE-7``) do not count.
    """
    given = _codes(codes).dropna()
    known = given.isin(units("2025").index) | given.isin(units("before_2025").index)
    return bool(len(given)) and known.mean() >= GSO_SHARE


def check_communes(communes: gpd.GeoDataFrame | pd.DataFrame, *, era: str,
                   province: str | None = None, layer: str = "communes", file: str = ""
                   ) -> pd.DataFrame:
    """Commune codes and names that the registry does not confirm, as warnings.

    Parameters
    ----------
    communes
        One row per commune: ``code`` (GSO code; blank when unknown), ``name`` (with or without
        its prefix, "Xã Tân Phú" or "Tân Phú"), optionally ``district`` (``before_2025``: names
        are then looked up in that district) and :data:`~ictgis.io.WHERE`.
    era
        One of :data:`ERAS`: the units the layer describes.
    province
        The province's name, used when no code of the layer is in the registry (the province
        is otherwise the one most of the codes belong to).
    layer, file
        Layer role and file name, for the problem table.

    Returns
    -------
    pandas.DataFrame
        A problem table (:data:`ictgis.validate.PROBLEM_COLUMNS`), severity ``warning``, kind
        one of :data:`KINDS`; each text names the closest registry entry, or the successor of
        a former commune.

    Raises
    ------
    ValueError
        When ``era`` is not one of :data:`ERAS`.
    ImportError
        When the registry package is not installed (see :func:`available`).
    """
    if era not in TABLES:
        msg = t("registry.error.era", era=era, eras=", ".join(ERAS))
        raise ValueError(msg)
    frame = pd.DataFrame(communes).drop(columns="geometry", errors="ignore")
    if WHERE not in frame:
        frame[WHERE] = ""
    codes = pd.Series(pd.NA, index=frame.index, dtype="string")
    if "code" in frame and gso_codes(frame["code"]):
        codes = _codes(frame["code"])
    names = frame["name"].astype("string") if "name" in frame else pd.Series(
        pd.NA, index=frame.index, dtype="string")
    districts = frame["district"] if "district" in frame else pd.Series(pd.NA, index=frame.index)
    check = _Check(era, _scope(era, codes, province))
    found = [check.row(c, n, d) for c, n, d in zip(codes, names, districts, strict=True)]
    kinds = pd.Series([f[0] if f else pd.NA for f in found], index=frame.index, dtype="string")
    texts = pd.Series([f[1] if f else pd.NA for f in found], index=frame.index, dtype="string")
    return validate.problems(frame, kinds.notna(), layer=layer, file=file,
                             severity="warning", problem=texts, code=kinds)


# --- the registry's tables -----------------------------------------------------------------


@functools.cache
def units(era: str) -> pd.DataFrame:
    """The registry's units of ``era``, one row per commune.

    Columns: ``code``, ``name`` ("Phường 5"), ``province`` (short: "Tiền Giang"),
    ``province_key``, ``district`` (``before_2025`` only), ``key`` (the registry's key, the
    one its conversion uses), ``cls`` and ``base`` (the name's unit class and folded base, see
    :func:`ictgis.text.split_prefix`). Indexed by ``code``.
    """
    from vietnamadminunits.database import get_data  # optional extra ictgis[admin]

    legacy = era == "before_2025"
    fields = ["wardCode", "ward", "wardShort", "provinceShort", "provinceKey", "wardKey"]
    raw = pd.DataFrame(get_data(fields + (["district", "districtKey"] if legacy else []),
                                TABLES[era]))
    raw = raw[raw["wardCode"].notna()]  # island districts without communes (before 2025)
    parts = [split_prefix(name) for name in raw["ward"]]
    key = raw["provinceKey"] + ("_" + raw["districtKey"] + "_" if legacy else "/") + raw["wardKey"]
    out = pd.DataFrame({
        "code": raw["wardCode"].astype(str), "name": raw["ward"],
        "province": raw["provinceShort"], "province_key": raw["provinceKey"],
        "district": raw["district"] if legacy else pd.NA, "key": key,
        "cls": [p[0] for p in parts],
        # "Đặc khu Côn Đảo" has no prefix text.py knows: its base is the short name
        "base": [p[1] if p[0] else fold(short) for p, short in zip(parts, raw["wardShort"],
                                                                    strict=True)],
    })
    return out.drop_duplicates("code").set_index("code", drop=False)


@functools.cache
def successors() -> pd.DataFrame:
    """The official conversion: each former commune's successor among the units of 2025.

    Columns: ``former_code`` and ``code`` (the successor, the default one of a divided
    commune). Indexed by ``former_code``.
    """
    source = resources.files(PACKAGE) / "data" / "converter_2025.json"
    table = json.loads(source.read_text(encoding="utf-8"))
    pairs: list[tuple[str, str]] = []
    for province, wards in table["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        pairs += [(old, f"{province}/{new}") for new, olds in wards.items() for old in olds]
    for province, divided in table["DICT_PROVINCE_WARD_DIVIDED"].items():
        pairs += [(old, f"{province}/{c['newWardKey']}") for old, candidates in divided.items()
                  for c in candidates if c["isDefaultNewWard"]]
    old = units("before_2025").set_index("key")["code"]
    new = units("2025").set_index("key")["code"]
    out = pd.DataFrame({"former_code": [old.get(o) for o, _ in pairs],
                        "code": [new.get(n) for _, n in pairs]}).dropna()
    return out.drop_duplicates("former_code").set_index("former_code", drop=False)


@functools.cache
def former_provinces() -> Mapping[str, tuple[str, ...]]:
    """Province key of 2025 -> the keys of the provinces it was formed from."""
    source = resources.files(PACKAGE) / "data" / "converter_2025.json"
    table = json.loads(source.read_text(encoding="utf-8"))
    return {new: tuple(olds) for new, olds in table["DICT_PROVINCE"].items()}


# --- checking --------------------------------------------------------------------------------


def _codes(values: pd.Series) -> pd.Series:
    """Codes as the registry writes them: text of 5 digits (``1`` -> ``00001``; ``28249.0``).

    Blank codes and the keys of communes without a code (``NOCODE-7``) are NA.
    """
    text = values.astype("string").str.strip()
    text = text.where(~text.str.startswith(NO_CODE_PREFIX).fillna(False).astype(bool), pd.NA)
    digits = text.str.fullmatch(r"\d+(\.0+)?").fillna(False).astype(bool)
    text = text.where(~digits, text.str.replace(r"\.0+$", "", regex=True).str.zfill(5))
    return text.where(text.notna() & (text != ""), pd.NA)


@dataclass(frozen=True)
class _Scope:
    """Where names are looked up: the province's units (and its former ones, for 2025)."""

    current: pd.DataFrame
    former: pd.DataFrame


def _scope(era: str, codes: pd.Series, province: str | None) -> _Scope:
    """The units of the layer's province: the province most codes are in, else ``province``."""
    table = units(era)
    known = codes[codes.isin(table.index)]
    keys: Sequence[str] = ()
    if len(known):
        keys = [table.loc[known, "province_key"].mode().iloc[0]]
    elif province:
        folded = f" {fold(province)} "
        names = table.drop_duplicates("province_key")
        keys = [k for k, short in zip(names["province_key"], names["province"], strict=True)
                if f" {fold(short)} " in folded]
    current = table[table["province_key"].isin(keys)] if len(keys) == 1 else table
    if era != "2025":
        return _Scope(current, current.iloc[:0])
    olds = {o for k in current["province_key"].unique() for o in former_provinces().get(k, ())}
    legacy = units("before_2025")
    return _Scope(current, legacy[legacy["province_key"].isin(olds)])


class _Check:
    """The checks of one layer's rows against one era's units."""

    def __init__(self, era: str, scope: _Scope) -> None:
        self.era = era
        self.table = units(era)
        self.scope = scope
        self.era_text = t(_ERA_TEXTS[era])
        self.districts = NameMatcher(scope.current["district"].dropna().unique())

    def row(self, code: Any, name: Any, district: Any) -> tuple[str, str] | None:
        """The kind and text of the row's problem, or None when the registry confirms it."""
        code = None if pd.isna(code) else str(code)
        name = None if pd.isna(name) or not str(name).strip() else str(name)
        here = self._here(district)
        if code is not None and code in self.table.index:
            if name is None:
                return None
            if _mask(name, self.table.loc[[code]])[0]:
                return self._spelling(name, self.table.loc[[code]])
            return self._other_name(code, name, self.table.loc[code], here)
        if code is not None:
            return self._former_code(code) or (
                "registry_unknown_code",
                t("registry.unknown_code", code=code, era=self.era_text,
                  closest=_entries(self._closest(name, here) if name else here.iloc[:0])))
        if name is None:
            return None
        same = here[_mask(name, here)]
        if not same.empty:
            return self._spelling(name, same)
        return self._former_name(name, self.scope.former) or (
            "registry_unknown_name",
            t("registry.unknown_name", name=name, era=self.era_text,
              closest=_entries(self._closest(name, here))))

    def _spelling(self, name: str, same: pd.DataFrame) -> tuple[str, str] | None:
        """A name that matches units of the registry but spells them otherwise (diacritics)."""
        if any(_spelled(name, n, b) for n, b in zip(same["name"], same["base"], strict=True)):
            return None
        return ("registry_spelling", t("registry.spelling", name=name, registry=_entries(same)))

    def _here(self, district: Any) -> pd.DataFrame:
        """The units where a row's name should be: its district's when it names a known one."""
        current = self.scope.current
        if pd.isna(district) or current["district"].isna().all():
            return current
        matched = self.districts.match(str(district))
        return current[current["district"] == matched] if matched else current

    def _other_name(self, code: str, name: str, entry: pd.Series, here: pd.DataFrame
                    ) -> tuple[str, str]:
        """A known code whose name differs from the registry's: the closest explanation."""
        former = self.scope.former
        found = self._former_name(name, former[former["code"] == code])
        if found:
            return found
        others = self._named(name, here, exact=True)
        if not others.empty:
            return ("registry_code_of_other",
                    t("registry.code_of_other", code=code, registry=entry["name"], name=name,
                      other=_entries(others)))
        return self._former_name(name, former) or (
            "registry_name_differs",
            t("registry.name_differs", name=name, code=code, registry=entry["name"]))

    def _former_code(self, code: str) -> tuple[str, str] | None:
        """A 2025 layer holding a former commune's code (not the code of a 2025 unit)."""
        legacy = units("before_2025")
        if self.era != "2025" or code not in legacy.index:
            return None
        return ("registry_former_code",
                t("registry.former_code", code=code, former=_entry(legacy.loc[code]),
                  successors=_successor(code)))

    def _former_name(self, name: str, former: pd.DataFrame) -> tuple[str, str] | None:
        """A 2025 layer holding a former commune's name: its successor(s)."""
        if self.era != "2025" or former.empty:
            return None
        matched = former[_mask(name, former)]
        if matched.empty:
            return None
        steps = "; ".join(t("registry.succession", former=_entry(matched.loc[c]),
                            new=_successor(c)) for c in matched.index)
        return ("registry_former_name", t("registry.former_name", name=name, successors=steps))

    def _named(self, name: str, here: pd.DataFrame, *, exact: bool = False) -> pd.DataFrame:
        """The units of ``here`` that ``name`` names; else (unless ``exact``) the closest ones."""
        same = here[_mask(name, here)]
        if exact or not same.empty:
            return same
        cls, base = split_prefix(name)
        best = difflib.get_close_matches(base, here["base"].unique().tolist(), n=1,
                                         cutoff=CLOSE_RATIO)
        if not best:
            return here.iloc[:0]
        near = here[here["base"] == best[0]]
        agree = near[near["cls"] == cls]
        return agree if not agree.empty else near

    def _closest(self, name: str, here: pd.DataFrame) -> pd.DataFrame:
        """The units ``name`` names or comes closest to: in ``here``, else in the province."""
        province = self.scope.current
        for found in (self._named(name, here, exact=True),
                      self._named(name, province, exact=True), self._named(name, here)):
            if not found.empty:
                return found
        return self._named(name, province)


def _mask(name: str, units: pd.DataFrame) -> list[bool]:
    """Which registry units ``name`` names: same folded name, or same base and no other class."""
    cls, base = split_prefix(name)
    full = fold(name)
    return [(b == base and (cls is None or c is None or c == cls)) or fold(n) == full
            for b, c, n in zip(units["base"], units["cls"], units["name"], strict=True)]


#: Tone marks (combining): where a tone mark sits ("Hòa", "Hoà") is no misspelling.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _spelled(name: str, registry_name: str, base: str) -> bool:
    """Whether ``name`` spells the words of its registry unit's base name as the registry does.

    Names written without any diacritic ("Dao Thanh") are accepted as plain transliterations;
    case and the place of a tone mark in its syllable do not count.
    """
    if name.isascii():
        return True
    words = len(base.split())
    return [_syllable(w) for w in name.split()[-words:]] == [
        _syllable(w) for w in registry_name.split()[-words:]]


def _syllable(word: str) -> tuple[str, str]:
    """A word's letters (with their vowel marks, lower case) and its tone marks."""
    marks = unicodedata.normalize("NFD", word.casefold())
    letters = unicodedata.normalize("NFC", "".join(c for c in marks if c not in _TONES))
    return letters, "".join(sorted(c for c in marks if c in _TONES))


def _label(name: str, code: str, *places: object) -> str:
    """A registry unit as the messages name it: name, places (district, province...), code."""
    place = ", ".join(p for p in places if isinstance(p, str))
    if place:
        return t("registry.entry_district", name=name, district=place, code=code)
    return t("registry.entry", name=name, code=code)


def _entry(entry: pd.Series) -> str:
    """One registry unit (a row of :func:`units`) as the messages name it."""
    return _label(entry["name"], entry["code"], entry["district"])


def _entries(found: pd.DataFrame) -> str:
    """Registry units as the messages list them (with their province when several), or "none"."""
    if found.empty:
        return t("registry.none")
    provinces = found["province"] if found["province"].nunique() > 1 else [None] * len(found)
    return "; ".join(_label(n, c, d, p) for n, c, d, p in zip(
        found["name"], found["code"], found["district"], provinces, strict=True))


def _successor(former_code: str) -> str:
    """The successor of a former commune (its code before 2025), as the messages name it."""
    table = successors()
    if former_code not in table.index:
        return t("registry.none")
    return _entry(units("2025").loc[table.loc[former_code, "code"]])

