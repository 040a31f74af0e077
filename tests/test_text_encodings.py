"""Tests of ictgis.text_encodings: the TCVN3 and VNI codecs, and guessing a file's encoding."""

from __future__ import annotations

import codecs
import io
import unicodedata

import pytest

from ictgis import text_encodings
from ictgis.text_encodings import guess_encoding, vietnamese_share
from tests.test_io import _cp1258_form

# The alphabet, built from Unicode's own decompositions (not from the module's tables): a
# vowel, the modifier it may take (ă â ê ô ơ ư), one of five tones or none.
_MODIFIERS = {"a": ("", "\u0306", "\u0302"), "e": ("", "\u0302"), "i": ("",),
              "o": ("", "\u0302", "\u031b"), "u": ("", "\u031b"), "y": ("",)}
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
LOWER = [unicodedata.normalize("NFC", base + mod + tone)
         for base, mods in _MODIFIERS.items() for mod in mods for tone in _TONES
         if mod or tone] + ["đ"]
LETTERS = LOWER + [c.upper() for c in LOWER]
ASCII = "".join(chr(b) for b in range(32, 127))


def test_the_alphabet_has_134_letters_with_diacritics():
    # 12 vowels x 6 tones = 72, less the 6 plain ASCII vowels, plus đ: 67 in each case
    assert len(LETTERS) == len(set(LETTERS)) == 134
    assert all(len(c) == 1 for c in LETTERS)  # every one a precomposed character


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_every_letter_and_ascii_round_trips(encoding):
    failed = [c for c in LETTERS if c.encode(encoding).decode(encoding) != c]
    assert failed == []
    assert ASCII.encode(encoding) == ASCII.encode("ascii")  # ASCII is ASCII in both
    assert ASCII.encode(encoding).decode(encoding) == ASCII
    text = " ".join(LETTERS) + " " + ASCII
    assert text.encode(encoding).decode(encoding) == text


def test_tcvn3_is_one_byte_per_letter_and_vni_at_most_two():
    assert all(len(c.encode("tcvn3")) == 1 for c in LETTERS)
    assert all(1 <= len(c.encode("vni")) <= 2 for c in LETTERS)
    # no two letters share their bytes
    assert len({c.encode("tcvn3") for c in LETTERS}) == len({c.encode("vni") for c in LETTERS}) == 134


# Byte sequences from the published charts. TCVN 5712:1993: à B5, á B8, ề D2, ệ D6, ồ E5,
# ộ E9, ư AD, ờ EA, ỉ D8, Đ A7, and the upper case of VN1: Á 83, Ồ DB, Ỹ 15. VNI Windows: the
# base letter, then ù (F9) acute, ø (F8) grave, õ (F5) tilde, à (E0) circumflex + grave,
# ä (E4) circumflex + dot below; ô (F4) = ơ, ö (F6) = ư, ñ (F1) = đ, æ (E6) = ỉ, ò (F2) = ị,
# and the upper-case marks 0x20 lower (Ñ D1 = Đ, À C0, Ù D9). Seen as Windows-1252 they are
# the familiar garbled forms: "TiÒn Giang", "§ång Th¸p", "ViÖt Nam", "Hµ Néi";
# "Tieàn Giang", "Ñoàng Thaùp", "Vieät Nam", "Haø Noäi".
KNOWN = [
    ("tcvn3", "Tiền Giang", b"Ti\xd2n Giang"),
    ("tcvn3", "Đồng Tháp", b"\xa7\xe5ng Th\xb8p"),
    ("tcvn3", "Việt Nam", b"Vi\xd6t Nam"),
    ("tcvn3", "Hà Nội", b"H\xb5 N\xe9i"),
    ("tcvn3", "Trường tỉnh", b"Tr\xad\xeang t\xd8nh"),
    ("tcvn3", "ĐỒNG THÁP", b"\xa7\xdbNG TH\x83P"),
    ("tcvn3", "MỸ THO", b"M\x15 THO"),
    ("vni", "Tiền Giang", b"Tie\xe0n Giang"),
    ("vni", "Đồng Tháp", b"\xd1o\xe0ng Tha\xf9p"),
    ("vni", "Việt Nam", b"Vie\xe4t Nam"),
    ("vni", "Hà Nội", b"Ha\xf8 No\xe4i"),
    ("vni", "Trường tỉnh", b"Tr\xf6\xf4\xf8ng t\xe6nh"),
    ("vni", "Thị xã", b"Th\xf2 xa\xf5"),
    ("vni", "ĐỒNG THÁP", b"\xd1O\xc0NG THA\xd9P"),
]


@pytest.mark.parametrize(("encoding", "text", "data"), KNOWN)
def test_known_sequences_of_the_charts(encoding, text, data):
    assert data.decode(encoding) == text
    assert text.encode(encoding) == data


def test_the_garbled_forms_are_the_same_bytes():
    assert "TiÒn Giang".encode("cp1252") == "Tiền Giang".encode("tcvn3")
    assert "§ång Th¸p".encode("cp1252") == "Đồng Tháp".encode("tcvn3")
    assert "Ñoàng Thaùp".encode("cp1252") == "Đồng Tháp".encode("vni")


def test_vni_decodes_a_base_with_two_marks_and_composes():
    # circumflex (E2) then acute (F9), as some converters write ấ
    assert b"a\xe2\xf9".decode("vni") == "ấ"
    assert b"\xf6\xf8".decode("vni") == "ừ"  # ư (F6) then grave (F8)
    assert unicodedata.is_normalized("NFC", "Trường".encode("vni").decode("vni"))
    # decomposed input encodes as its composed form
    assert unicodedata.normalize("NFD", "Tiền").encode("vni") == b"Tie\xe0n"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_streams_and_incremental_decoding(encoding, tmp_path):
    text = "Đồng Tháp, Tiền Giang; ĐỒNG THÁP\nTrường tỉnh Mỹ Tho\n"
    data = text.encode(encoding)
    decoder = codecs.getincrementaldecoder(encoding)()
    pieces = [decoder.decode(data[i:i + 1]) for i in range(len(data))]
    assert "".join(pieces) + decoder.decode(b"", final=True) == text
    path = tmp_path / "names.txt"
    with open(path, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
    assert path.read_bytes() == data
    with open(path, encoding=encoding, newline="") as handle:
        assert handle.read() == text
    assert io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="").read() == text


@pytest.mark.parametrize(("alias", "name"), [
    ("TCVN3", "tcvn3"), ("tcvn", "tcvn3"), ("ABC", "tcvn3"), ("TCVN-5712", "tcvn3"),
    ("VNI", "vni"), ("VNI-Windows", "vni"), ("vni win", "vni"),
])
def test_aliases(alias, name):
    assert codecs.lookup(alias).name == name


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_characters_outside_the_encoding(encoding):
    with pytest.raises(UnicodeEncodeError):
        "ñ".encode(encoding)  # in both, its Windows-1252 byte (F1) is a Vietnamese letter
    with pytest.raises(UnicodeEncodeError):
        "中".encode(encoding)
    assert "Mỹ Tho 中".encode(encoding, errors="replace").endswith(b" ?")


def test_tcvn3_decodes_every_byte():
    # VN1 fills the high half: a file in it can always be decoded (then judged by its words)
    assert len(bytes(range(256)).decode("tcvn3")) == 256


# ------------------------------------------------------------------------------ guessing

NAMES = ["Phường 1", "Xã Tân Mỹ Chánh", "Thị trấn Vĩnh Bình", "Xã Đạo Thạnh",
         "THÀNH PHỐ MỸ THO", "Huyện Tân Phú Đông", "Xã Hòa Hưng"]


def cp1258(text: str) -> bytes:
    """Windows-1258 bytes as Windows writes them: base letters precomposed, tones apart."""
    return _cp1258_form(text).encode("cp1258")


def test_cp1258_helper_by_hand():
    assert cp1258("Thị trấn") == b"Thi\xf2 tr\xe2\xecn"  # dot below F2, acute EC


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258", "tcvn3", "vni"])
def test_the_encoding_of_names_is_guessed(encoding):
    raw = [cp1258(n) if encoding == "cp1258" else n.encode(encoding) for n in NAMES]
    guess = guess_encoding(raw)
    assert guess is not None and guess.encoding == encoding
    assert guess.share == 1.0
    assert guess.example in NAMES
    # every other candidate reads most of the words wrong
    others = [e for e in text_encodings.CANDIDATES if e != encoding]
    for other in others:
        share = vietnamese_share([r.decode(other, errors="replace") for r in raw])
        assert share is not None and share < 0.5, other


def test_nothing_to_guess_from():
    assert guess_encoding([b"Phuong 1", b"Xa Tan My Chanh"]) is None  # ASCII reads alike
    assert guess_encoding([]) is None
    # text in no candidate: Latin-1 French reads as no Vietnamese
    assert guess_encoding(["Université fermée près".encode("latin-1")]) is None
