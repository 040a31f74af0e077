"""Legacy Vietnamese encodings (TCVN3/ABC, VNI) as Python codecs, and guessing a file's encoding.

Importing this module registers two codecs with :func:`codecs.register`, so that their names
work wherever Python accepts an encoding (``open``, ``bytes.decode``, ``pandas.read_csv``,
``encoding = "tcvn3"`` in ``ictgis.toml``):

- ``tcvn3`` (aliases ``tcvn``, ``abc``, ``tcvn5712``, ``vn3``): TCVN 5712:1993, one byte per
  letter. The lower-case letters sit in ``0xA8``-``0xFE`` as in the ABC fonts (VN3); the
  upper-case letters with diacritics sit in C0 (``0x01``-``0x17``), C1 (``0x80``-``0x9F``) and
  the gaps of the high range (VN1). A file written with ABC fonts (lower-case letters only, the
  upper case drawn by a ``.VnTimeH`` font) decodes with the same table.
- ``vni`` (aliases ``vni_windows``, ``vni_win``): VNI for Windows, a base letter followed by a
  mark byte (tone, or circumflex/breve with a tone); ``ơ ư đ`` and the letters ``i`` and ``y``
  that lose their dot or descender space have bytes of their own. Upper-case letters take the
  upper-case mark bytes (``0xC0``-``0xDF``). Decoding accepts a base followed by one or two
  mark bytes and returns composed text (NFC).

The tables are written from the published code charts (TCVN 5712:1993, table VN1; the VNI
Windows font chart).
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ictgis.text import is_vietnamese_word, vietnamese_tokens

if TYPE_CHECKING:
    from typing_extensions import Buffer

# combining marks (Unicode) of the five tones, in the order the charts list them
_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
_TONES = ("", _GRAVE, _HOOK, _TILDE, _ACUTE, _DOT)
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
#: The vowels of the alphabet: a base letter and the modifiers it takes (ă â, ê, ô ơ, ư).
_MODIFIERS = {"a": (_BREVE, _CIRCUMFLEX), "e": (_CIRCUMFLEX,), "i": (), "o": (_CIRCUMFLEX, _HORN),
              "u": (_HORN,), "y": ()}

# ------------------------------------------------------------------------------- TCVN3 (ABC)

#: TCVN 5712:1993 (VN1): each vowel with its tones (none, grave, hook, tilde, acute, dot
#: below) -> its bytes; a vowel without diacritics is the ASCII byte (written ``..``).
_TCVN3_ROWS: tuple[tuple[str, str], ...] = (
    ("a", ".. b5 b6 b7 b8 b9"), ("A", ".. 80 81 82 83 84"),
    ("ă", "a8 bb bc bd be c6"), ("Ă", "a1 af ba bf c0 85"),  # input vocabulary
    ("â", "a9 c7 c8 c9 ca cb"), ("Â", "a2 c1 c2 c3 c4 86"),  # input vocabulary
    ("e", ".. cc ce cf d0 d1"), ("E", ".. 87 88 89 8a 8b"),
    ("ê", "aa d2 d3 d4 d5 d6"), ("Ê", "a3 c5 cd d9 da 8c"),  # input vocabulary
    ("i", ".. d7 d8 dc dd de"), ("I", ".. 8d 8e 8f 90 91"),
    ("o", ".. df e1 e2 e3 e4"), ("O", ".. 92 93 94 95 96"),
    ("ô", "ab e5 e6 e7 e8 e9"), ("Ô", "a4 db e0 f0 ff 97"),  # input vocabulary
    ("ơ", "ac ea eb ec ed ee"), ("Ơ", "a5 98 99 9a 9b 9c"),  # input vocabulary
    ("u", ".. ef f1 f2 f3 f4"), ("U", ".. 9d 9e 9f 01 02"),
    ("ư", "ad f5 f6 f7 f8 f9"), ("Ư", "a6 04 05 06 11 12"),  # input vocabulary
    ("y", ".. fa fb fc fd fe"), ("Y", ".. 13 14 15 16 17"),
)
#: The other bytes of the chart: đ, Đ, the five tone marks alone, no-break space.
_TCVN3_OTHER = {0xAE: "đ", 0xA7: "Đ", 0xB0: _GRAVE, 0xB1: _HOOK, 0xB2: _TILDE,  # input vocabulary
                0xB3: _ACUTE, 0xB4: _DOT, 0xA0: "\u00a0"}


def _tcvn3_table() -> str:
    table = [chr(b) for b in range(128)] + ["\ufffe"] * 128
    for vowel, cells in _TCVN3_ROWS:
        for tone, cell in zip(_TONES, cells.split(), strict=True):
            if cell != "..":
                table[int(cell, 16)] = unicodedata.normalize("NFC", vowel + tone)
    for byte, char in _TCVN3_OTHER.items():
        table[byte] = char
    return "".join(table)


_TCVN3_DECODE = _tcvn3_table()
_TCVN3_ENCODE = codecs.charmap_build(_TCVN3_DECODE)


def _tcvn3_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return codecs.charmap_encode(text, errors, _TCVN3_ENCODE)


def _tcvn3_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    return codecs.charmap_decode(data, errors, _TCVN3_DECODE)


# ------------------------------------------------------------------------------------- VNI

#: VNI Windows, lower case: mark bytes following a base letter. Upper case: 0x20 lower.
_VNI_TONE = {_GRAVE: 0xF8, _HOOK: 0xFB, _TILDE: 0xF5, _ACUTE: 0xF9, _DOT: 0xEF}
_VNI_CIRCUMFLEX = {"": 0xE2, _GRAVE: 0xE0, _HOOK: 0xE5, _TILDE: 0xE3, _ACUTE: 0xE1, _DOT: 0xE4}
_VNI_BREVE = {"": 0xEA, _GRAVE: 0xE8, _HOOK: 0xFA, _TILDE: 0xFC, _ACUTE: 0xE9, _DOT: 0xEB}
#: Letters with a byte of their own (lower case; the upper case is 0x20 lower).
_VNI_SINGLE = {"ơ": 0xF4, "ư": 0xF6, "đ": 0xF1, "ì": 0xEC, "í": 0xED,  # input vocabulary
               "ỉ": 0xE6, "ĩ": 0xF3, "ị": 0xF2, "ỵ": 0xEE}  # input vocabulary
_CASE = 0x20


def _vni_tables() -> tuple[dict[int, str], dict[int, bytes]]:
    # decoding: ASCII, then Windows-1252 (the fonts' other glyphs), then the chart's bytes
    decode: dict[int, str] = {b: chr(b) for b in range(128)}
    for b in range(128, 256):
        try:
            decode[b] = bytes([b]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    for upper in (False, True):
        shift = _CASE if upper else 0
        for tone, byte in _VNI_TONE.items():
            decode[byte - shift] = tone
        for tone, byte in _VNI_CIRCUMFLEX.items():
            decode[byte - shift] = _CIRCUMFLEX + tone
        for tone, byte in _VNI_BREVE.items():
            decode[byte - shift] = _BREVE + tone
        for letter, byte in _VNI_SINGLE.items():
            decode[byte - shift] = letter.upper() if upper else letter
    # encoding: every letter of the alphabet, by its decomposition
    encode: dict[int, bytes] = {b: bytes([b]) for b in range(128)}
    for byte, char in decode.items():
        if len(char) == 1 and not unicodedata.combining(char):
            encode.setdefault(ord(char), bytes([byte]))
    for base, mods in _MODIFIERS.items():
        for mod in ("", *mods):
            for tone in _TONES:
                for letter_base in (base, base.upper()):
                    letter = unicodedata.normalize("NFC", letter_base + mod + tone)
                    if len(letter) == 1 and letter not in "aeiouyAEIOUY":
                        encode[ord(letter)] = _vni_letter(letter_base, mod, tone)
    return decode, encode


def _vni_letter(base: str, mod: str, tone: str) -> bytes:
    """The VNI bytes of a base vowel with a modifier (circumflex, breve, horn) and a tone."""
    shift = _CASE if base.isupper() else 0
    letter = unicodedata.normalize("NFC", base + mod + tone).lower()
    if letter in _VNI_SINGLE:
        return bytes([_VNI_SINGLE[letter] - shift])
    if mod == _HORN:
        head = bytes([_VNI_SINGLE[unicodedata.normalize("NFC", base.lower() + _HORN)] - shift])
        return head + (bytes([_VNI_TONE[tone] - shift]) if tone else b"")
    marks = {_CIRCUMFLEX: _VNI_CIRCUMFLEX, _BREVE: _VNI_BREVE}.get(mod)
    if marks is not None:
        return base.encode("ascii") + bytes([marks[tone] - shift])
    return base.encode("ascii") + bytes([_VNI_TONE[tone] - shift])


_VNI_DECODE, _VNI_ENCODE = _vni_tables()
#: Bytes that only modify the letter before them.
_VNI_MARKS = frozenset(b for b, c in _VNI_DECODE.items() if all(unicodedata.combining(x) for x in c))


def _vni_encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    data, _ = codecs.charmap_encode(unicodedata.normalize("NFC", text), errors, _VNI_ENCODE)
    return data, len(text)


def _vni_decode(data: bytes, errors: str = "strict", final: bool = True) -> tuple[str, int]:
    """Decode VNI bytes into composed text.

    Without ``final``, the last letter and the marks after it are kept for the next call
    (more marks may follow).
    """
    data = bytes(data)
    end = len(data)
    if not final:
        while end > 0 and data[end - 1] in _VNI_MARKS:
            end -= 1
        end = max(end - 1, 0)
    text, _ = codecs.charmap_decode(data[:end], errors, _VNI_DECODE)
    return unicodedata.normalize("NFC", text), end


class _VniIncrementalDecoder(codecs.BufferedIncrementalDecoder):
    def _buffer_decode(self, data: Buffer, errors: str, final: bool) -> tuple[str, int]:
        return _vni_decode(bytes(data), errors, final)


def _codec(name: str, encode: Callable[..., tuple[bytes, int]],
           decode: Callable[..., tuple[str, int]],
           incremental_decoder: type[codecs.IncrementalDecoder] | None = None
           ) -> codecs.CodecInfo:
    class _IncrementalEncoder(codecs.IncrementalEncoder):
        def encode(self, text: str, final: bool = False) -> bytes:
            return encode(text, self.errors)[0]

    class _IncrementalDecoder(codecs.IncrementalDecoder):
        def decode(self, data: Buffer, final: bool = False) -> str:
            return decode(bytes(data), self.errors)[0]

    class _StreamWriter(codecs.StreamWriter):
        def encode(self, text: str, errors: str = "strict") -> tuple[bytes, int]:
            return encode(text, errors)

    class _StreamReader(codecs.StreamReader):
        def decode(self, data: bytes, errors: str = "strict") -> tuple[str, int]:
            return decode(data, errors)

    return codecs.CodecInfo(
        encode, decode, name=name, incrementalencoder=_IncrementalEncoder,
        incrementaldecoder=incremental_decoder or _IncrementalDecoder,
        streamwriter=_StreamWriter, streamreader=_StreamReader)


#: Codec name -> its information; the keys are the names ``ictgis.toml`` accepts.
CODECS = {
    "tcvn3": _codec("tcvn3", _tcvn3_encode, _tcvn3_decode),
    "vni": _codec("vni", _vni_encode, _vni_decode, _VniIncrementalDecoder),
}
_ALIASES = {"tcvn": "tcvn3", "tcvn_3": "tcvn3", "abc": "tcvn3", "tcvn5712": "tcvn3",
            "tcvn_5712": "tcvn3", "tcvn5712_1": "tcvn3", "vn3": "tcvn3",
            "vni_windows": "vni", "vni_win": "vni", "vniwin": "vni"}


def _search(name: str) -> codecs.CodecInfo | None:
    key = name.lower().replace("-", "_").replace(" ", "_")
    return CODECS.get(_ALIASES.get(key, key))


codecs.register(_search)

# ------------------------------------------------------------------------------ guessing

#: Encodings a Vietnamese file is tried in, in order of preference when they read equally well.
CANDIDATES = ("utf-8", "cp1258", "tcvn3", "vni")

#: Share of the words with letters beyond ASCII that must be Vietnamese for a guess.
GUESS_SHARE = 0.8


@dataclass(frozen=True)
class Guess:
    """The encoding in which a file's text reads best as Vietnamese.

    Attributes
    ----------
    encoding
        The codec name, as ``ictgis.toml`` accepts it.
    share
        Share (0-1) of the words beyond ASCII that are Vietnamese syllables in it.
    example
        A value of the file decoded in it (for messages).
    """

    encoding: str
    share: float
    example: str


def vietnamese_share(texts: Iterable[str]) -> float | None:
    """Share (0-1) of the words beyond ASCII in ``texts`` that are Vietnamese syllables.

    None when no word has a letter beyond ASCII (nothing tells encodings apart).
    """
    words = [w for text in texts for w in vietnamese_tokens(text) if not w.isascii()]
    if not words:
        return None
    return sum(map(is_vietnamese_word, words)) / len(words)


def guess_encoding(samples: Iterable[bytes], *,
                   candidates: Iterable[str] = CANDIDATES) -> Guess | None:
    """The candidate encoding in which ``samples`` read best as Vietnamese.

    Each candidate decodes every sample (a byte it cannot decode makes its word wrong); its
    score is the share of the words with bytes beyond ASCII that are Vietnamese syllables
    (:func:`ictgis.text.is_vietnamese_word`). The best candidate wins; ties go to the first
    in ``candidates``.

    Parameters
    ----------
    samples
        Raw text values of a file (names, kinds...), undecoded.
    candidates
        Codec names to try.

    Returns
    -------
    Guess or None
        None when no sample has a byte beyond ASCII, or no candidate reaches
        :data:`GUESS_SHARE`.
    """
    raw = [s for s in dict.fromkeys(samples) if not s.isascii()]
    if not raw:
        return None
    best: Guess | None = None
    for encoding in candidates:
        texts = [sample.decode(encoding, errors="replace") for sample in raw]
        share = vietnamese_share(texts) or 0.0
        if best is None or share > best.share:
            example = max(texts, key=lambda s: (vietnamese_share([s]) or 0.0, len(s)))
            best = Guess(encoding, share, unicodedata.normalize("NFC", example))
    return best if best is not None and best.share >= GUESS_SHARE else None
