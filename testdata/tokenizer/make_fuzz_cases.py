"""Fuzz cases for the demo model's SentencePiece tokenizer: seeded random strings (many scripts, emoji, combining
marks, controls, whitespace runs, special-token lookalikes, long words) with SentencePiece's ids and decode, and random
id sequences (byte pieces that are and are not UTF-8, control and unknown pieces) with SentencePiece's decode.

    /tmp/tv/bin/python testdata/tokenizer/make_fuzz_cases.py      (sentencepiece 0.2.x)

writes testdata/tokenizer/fuzz_demo.cases.json, the same bytes each run. Made for SentencePieceEquivalenceTest; the
generator was first written for a one-off differential fuzz (120,000 strings, no difference found)."""
import json, random, unicodedata
from pathlib import Path
import sentencepiece as spm

SEED = 20240601
R = random.Random(SEED)
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models/bamboo-demo/tokenizer.model"

ASCII_WORDS = ("the quick brown fox jumps over lazy dog Hello World hello world I a an is it's don't "
               "tokenizer SentencePiece Llama Mistral bamboo GPU CPU x y z foo bar baz lorem ipsum dolor sit amet "
               "https www example com user@example.org C++ def return print self __init__ 0x41 e.g. i.e. "
               "supercalifragilisticexpialidocious antidisestablishmentarianism").split()
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["...", "--", "—", "–", "…", "«", "»", "“", "”", "‘", "’", "¿", "¡", "·", "•", "§", "¶", "©", "®", "™", "°", "±", "×", "÷", "€", "£", "¥", "₹"]
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", " \n", "\t\t", " \t ", "\u00a0", "\u3000", "\u2009", "\u2002", "\u202f", "\u1680", "\u0085", "\u2028", "\u2029", "\x0b", "\x0c"]
SCRIPTS = {
    "cjk": (0x4E00, 0x9FFF), "cjk_ext_b": (0x20000, 0x2A6DF), "hiragana": (0x3041, 0x3096), "katakana": (0x30A1, 0x30FA),
    "hangul": (0xAC00, 0xD7A3), "jamo": (0x1100, 0x11FF), "cyrillic": (0x0400, 0x04FF), "greek": (0x0370, 0x03FF),
    "arabic": (0x0600, 0x06FF), "hebrew": (0x05D0, 0x05EA), "devanagari": (0x0900, 0x097F), "thai": (0x0E01, 0x0E5B),
    "tamil": (0x0B82, 0x0BFA), "georgian": (0x10A0, 0x10FF), "armenian": (0x0531, 0x058F), "ethiopic": (0x1200, 0x137F),
    "latin_ext": (0x00C0, 0x024F), "ipa": (0x0250, 0x02AF), "math_alnum": (0x1D400, 0x1D7FF), "math_ops": (0x2200, 0x22FF),
    "box": (0x2500, 0x257F), "braille": (0x2800, 0x28FF), "fullwidth": (0xFF01, 0xFF5E), "halfwidth_kana": (0xFF61, 0xFF9F),
    "pua": (0xE000, 0xF8FF), "pua_15": (0xF0000, 0xF00FF), "pua_16": (0x100000, 0x1000FF), "emoji": (0x1F300, 0x1F64F),
    "emoji2": (0x1F900, 0x1F9FF), "combining": (0x0300, 0x036F), "ligatures": (0xFB00, 0xFB4F), "enclosed": (0x2460, 0x24FF),
    "cjk_compat": (0xF900, 0xFAFF), "tags": (0xE0020, 0xE007F), "var_sel": (0xFE00, 0xFE0F), "superscripts": (0x2070, 0x209F),
    "specials": (0xFFF0, 0xFFFF), "nonchar_end": (0x10FFF0, 0x10FFFF), "mongolian": (0x1800, 0x18AF), "tibetan": (0x0F00, 0x0FFF),
}
SCRIPT_SAMPLES = ["日本語のテキスト", "中文分词测试", "한국어 텍스트", "Привет, мир!", "Ελληνικά", "مرحبا بالعالم", "שלום עולם",
                  "नमस्ते दुनिया", "สวัสดีชาวโลก", "வணக்கம்", "ქართული", "Ողջույն", "ሰላም", "Straße", "naïve café", "Ünïcödé",
                  "ﬁﬂ", "Ｈｅｌｌｏ　Ｗｏｒｌｄ", "１２３", "ｱｲｳｴｵ", "𝐇𝐞𝐥𝐥𝐨", "①②③", "™℃№", "½¼¾", "x²y³", "Å Å Å", "ǅǈ", "İı"]
EMOJI = ["😀", "🙂", "👍", "👍🏽", "👍🏿", "❤️", "❤", "👨‍👩‍👧‍👦", "👩‍💻", "🏳️‍🌈", "🇺🇸", "🇯🇵", "🇪🇺", "🧑🏻‍🤝‍🧑🏿", "✋🏼",
         "☺️", "1️⃣", "#️⃣", "🫠", "🦄", "🐈‍⬛", "👁️‍🗨️", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "😶‍🌫️", "💩", "🤷‍♀️", "⌚", "©️"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u202e", "\u2066", "\u034f", "\u180e"]
SPECIALS = ["<s>", "</s>", "<unk>", "<0x41>", "<0x0A>", "<0xFF>", "<0x00>", "<pad>", "▁", "▁▁", "▁▁▁", "<|im_start|>",
            "<|im_end|>", "[INST]", "[/INST]", "<<SYS>>", "<s", "s>", "</", "<0x", "< s >", "<S>", "<UNK>", "⁇", " ⁇ ",
            "\ufffd", "\ufffd\ufffd", "<mask>", "<|endoftext|>", "<0x4g>", "<0xe3>", "<0xE3><0x81><0x82>"]
CONTROLS = [chr(c) for c in range(0x00, 0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]


def rnd_char(script=None):
    name = script or R.choice(list(SCRIPTS))
    lo, hi = SCRIPTS[name]
    while True:
        c = R.randint(lo, hi)
        if not (0xD800 <= c <= 0xDFFF):
            return chr(c)


def rnd_script_word():
    name = R.choice(list(SCRIPTS))
    return "".join(rnd_char(name) for _ in range(R.randint(1, 8)))


def combining_seq():
    base = R.choice("aeiouAEIOUnNcCsSzZ" + "αβγабв" + "ㄱ")
    marks = "".join(chr(R.randint(0x300, 0x36F)) for _ in range(R.randint(1, 5)))
    return base + marks


def nfx(s):
    return unicodedata.normalize(R.choice(["NFC", "NFD", "NFKC", "NFKD"]), s)


class Vocab:
    def __init__(self):
        self.pieces = []
        for p in [MODEL]:
            sp = spm.SentencePieceProcessor(model_file=str(p))
            self.pieces += [sp.IdToPiece(i) for i in range(sp.GetPieceSize()) if not (sp.IsByte(i) or sp.IsControl(i) or sp.IsUnknown(i))]


V = Vocab()


def vocab_piece():
    p = R.choice(V.pieces)
    r = R.random()
    if r < 0.7:
        return p.replace("▁", " ")
    return p  # keep the literal U+2581


def long_word():
    kind = R.randrange(6)
    n = R.randint(500, 1500)
    if kind == 0:
        return "".join(R.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))
    if kind == 1:
        return R.choice("ax0 \n.") * n
    if kind == 2:
        return "".join(rnd_char("cjk") for _ in range(n // 2))
    if kind == 3:
        return "".join(vocab_piece().replace(" ", "") for _ in range(n // 3))[:n]
    if kind == 4:
        return R.choice(EMOJI) * (n // 10)
    return ("ab" * n)[:n]


ATOMS = [
    (30, lambda: R.choice(ASCII_WORDS)),
    (12, lambda: R.choice(PUNCT)),
    (8, lambda: str(R.randint(0, 10 ** R.randint(1, 12)))),
    (15, lambda: R.choice(SPACES)),
    (10, rnd_script_word),
    (6, lambda: R.choice(SCRIPT_SAMPLES)),
    (6, lambda: R.choice(EMOJI)),
    (4, combining_seq),
    (4, lambda: nfx(R.choice(SCRIPT_SAMPLES + ["é", "ñ", "Å", "ﬁ", "①", "가", "각"]))),
    (4, lambda: R.choice(ZERO_WIDTH)),
    (5, lambda: R.choice(SPECIALS)),
    (4, lambda: R.choice(CONTROLS)),
    (12, vocab_piece),
    (2, lambda: chr(R.randint(0x20, 0x10FFFF)) if True else ""),
]
_W = [w for w, _ in ATOMS]


def atom():
    while True:
        a = R.choices(ATOMS, weights=_W)[0][1]()
        # drop surrogates (impossible in UTF-8)
        if not any(0xD800 <= ord(c) <= 0xDFFF for c in a):
            return a


def rnd_string():
    r = R.random()
    if r < 0.02:
        return ""
    if r < 0.05:
        return long_word() if R.random() < 0.5 else R.choice(SPACES) + long_word() + R.choice(SPACES)
    if r < 0.12:  # whitespace-only / whitespace-heavy
        return "".join(R.choice(SPACES + [" "] * 5) for _ in range(R.randint(1, 8)))
    if r < 0.20:  # single atom, possibly wrapped
        s = atom()
        if R.random() < 0.5:
            s = R.choice(SPACES) + s
        if R.random() < 0.5:
            s = s + R.choice(SPACES)
        return s
    n = R.randint(1, 30)
    parts = []
    for _ in range(n):
        parts.append(atom())
        if R.random() < 0.5:
            parts.append(" ")
    s = "".join(parts)
    if R.random() < 0.15:
        s = R.choice(SPACES) * R.randint(1, 3) + s
    if R.random() < 0.15:
        s = s + R.choice(SPACES) * R.randint(1, 3)
    return s


def main():
    sp = spm.SentencePieceProcessor(model_file=str(MODEL))
    strings, seen = ["", " ", "  ", "\n", "<s>", "</s>", "<unk>", "<0x41>", "\u2581", "\ufeff", "\u200b", "\ufffd", "\x00"], set()
    seen.update(strings)
    while len(strings) < N_STRINGS:
        s = rnd_string()
        if s in seen or len(s) > 600:
            continue
        seen.add(s)
        strings.append(s)
    cases = []
    for s in strings:
        ids = sp.EncodeAsIds(s)
        cases.append({"text": s, "ids": ids, "decoded": sp.DecodeIds(ids)})

    n = sp.GetPieceSize()
    byte_id = {int(sp.IdToPiece(i)[3:5], 16): i for i in range(n) if sp.IsByte(i)}
    specials = [i for i in range(n) if sp.IsControl(i) or sp.IsUnknown(i)]
    space_pieces = [i for i in range(n) if sp.IdToPiece(i).startswith("\u2581")]
    RR = random.Random(SEED + n)

    def bytes_of(b):
        return [byte_id[x] for x in b]

    def utf8_chunk():
        k = RR.randrange(8)
        if k == 0:  # a whole multi-byte character
            return bytes_of(chr(RR.choice([RR.randint(0x80, 0x7FF), RR.randint(0x800, 0xD7FF), RR.randint(0x10000, 0x10FFFF)])).encode())
        if k == 1:  # a character cut short
            b = chr(RR.randint(0x800, 0x10FFFF)).encode("utf-8", "surrogatepass")
            return bytes_of(b[:RR.randint(1, len(b) - 1)])
        if k == 2:  # lone continuation bytes
            return bytes_of(bytes(RR.randint(0x80, 0xBF) for _ in range(RR.randint(1, 3))))
        if k == 3:  # overlong forms, surrogates, past U+10FFFF, bytes no UTF-8 has
            return bytes_of(RR.choice([b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xed\xbf\xbf",
                                       b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff",
                                       b"\xf0\x80\x80\x80", b"\xe2\x82", b"\xf0\x9f\x98"]))
        if k == 4:
            return bytes_of(bytes(RR.randint(0, 255) for _ in range(RR.randint(1, 6))))
        if k == 5:  # ASCII as byte pieces, controls and space included
            return bytes_of(bytes(RR.randint(0, 0x7F) for _ in range(RR.randint(1, 4))))
        if k == 6:
            return [RR.choice(specials)]
        return [RR.choice(space_pieces)]

    sequences = []
    for j in range(N_SEQUENCES):
        k, length = j % 5, RR.randint(0, 12)
        if k == 0:
            seq = [RR.randrange(n) for _ in range(length)]
        elif k == 1:
            seq = [x for _ in range(RR.randint(1, 5)) for x in utf8_chunk()]
        elif k == 2:
            seq = []
            for _ in range(RR.randint(1, 6)):
                seq += utf8_chunk() if RR.random() < 0.5 else [RR.randrange(n)]
        elif k == 3:  # control, unknown or space pieces first
            seq = [RR.choice(specials + space_pieces) for _ in range(RR.randint(1, 3))] + [RR.randrange(n) for _ in range(length)]
        else:  # bytes, then a piece starting with a space
            seq = utf8_chunk() + [RR.choice(space_pieces)] + [RR.randrange(n) for _ in range(RR.randint(0, 3))]
        sequences.append({"ids": seq, "decoded": sp.DecodeIds(seq)})

    out = {"model": "bamboo-demo tokenizer.model", "vocab_size": n, "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "unk_id": sp.unk_id(),
           "notes": "made by make_fuzz_cases.py with sentencepiece " + spm.__version__ + ": ids = encode(text) without BOS/EOS, "
                    "decoded = decode(ids); id_sequences: random ids and their decode",
           "cases": cases, "id_sequences": sequences}
    path = Path(__file__).resolve().parent / "fuzz_demo.cases.json"
    # one case per line: compact, and a change shows as the lines of the cases it touches
    def lines(items):
        return ",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in items)
    head = {k: v for k, v in out.items() if k not in ("cases", "id_sequences")}
    text = (json.dumps(head, ensure_ascii=False)[:-1] + ',\n"cases":[\n' + lines(cases) + '\n],\n"id_sequences":[\n'
            + lines(sequences) + "\n]}\n")
    json.loads(text)
    path.write_bytes(text.encode("utf-8"))
    print("wrote", path, len(cases), "strings,", len(sequences), "id sequences")


N_STRINGS = 1500
N_SEQUENCES = 600

if __name__ == "__main__":
    main()
