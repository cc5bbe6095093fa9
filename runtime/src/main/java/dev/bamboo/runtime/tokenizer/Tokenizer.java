package dev.bamboo.runtime.tokenizer;

import dev.bamboo.weights.BambooException;

/**
 * A SentencePiece-style BPE tokenizer with byte fallback (the Llama / Mistral tokenizer). Immutable and thread-safe.
 * Build one with {@link TokenizerLoader}.
 */
public final class Tokenizer {
    private final Vocabulary vocabulary;
    private final TextNormalizer normalizer;
    private final BpeEncoder encoder;
    private final boolean splitAtSpaces;
    private final boolean addBos;
    private final boolean stripDummyPrefix;
    private final boolean stripAllLeadingSpaces;

    /**
     * @param fuseUnknown           a run of characters the vocabulary cannot spell is one unknown token (SentencePiece;
     *                              Hugging Face's {@code fuse_unk}), not one per character
     * @param splitAtSpaces         encode each word (a run starting at U+2581) on its own, as Hugging Face's Metaspace with split=true
     * @param stripDummyPrefix      decode drops the leading space that the dummy prefix created
     * @param stripAllLeadingSpaces decode drops all leading spaces (SentencePiece with remove_extra_whitespaces)
     */
    Tokenizer(Vocabulary vocabulary, TextNormalizer normalizer, MergeRule rule, boolean byteFallback, boolean fuseUnknown,
              boolean splitAtSpaces, boolean addBos, boolean stripDummyPrefix, boolean stripAllLeadingSpaces) {
        this.vocabulary = vocabulary;
        this.normalizer = normalizer;
        this.encoder = new BpeEncoder(vocabulary, rule, byteFallback, fuseUnknown);
        this.splitAtSpaces = splitAtSpaces;
        this.addBos = addBos;
        this.stripDummyPrefix = stripDummyPrefix;
        this.stripAllLeadingSpaces = stripAllLeadingSpaces;
    }

    /** The ids of plain text, without BOS or EOS. Text that looks like a control token ("&lt;s&gt;") is ordinary text. */
    public int[] encode(String text) {
        String normalized = normalizer.normalize(text);
        IntList out = new IntList();
        if (!splitAtSpaces) {
            encoder.encode(normalized, out);
        } else {
            int wordStart = 0;
            for (int i = 1; i <= normalized.length(); i++) {
                if (i == normalized.length() || normalized.charAt(i) == TextNormalizer.SPACE_SYMBOL) {
                    encoder.encode(normalized.substring(wordStart, i), out);
                    wordStart = i;
                }
            }
        }
        return out.toArray();
    }

    /** The text of ids, as SentencePiece's decode: control tokens are invisible, byte pieces are read as UTF-8. */
    public String decode(int[] ids) {
        StreamingDecoder decoder = newStreamingDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(decoder.feed(id));
        }
        return out.append(decoder.finish()).toString();
    }

    /** A decoder for ids that arrive one at a time (generation); see {@link StreamingDecoder}. */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(vocabulary, stripDummyPrefix, stripAllLeadingSpaces);
    }

    /** The piece of an id as stored in the vocabulary (with U+2581 for spaces, {@code <0xAB>} for bytes). */
    public String piece(int id) {
        return vocabulary.piece(id);
    }

    /** The id of a piece of any type (control pieces included), or -1: for chat-template markers. */
    public int pieceId(String piece) {
        return vocabulary.anyPieceId(piece);
    }

    public int vocabSize() {
        return vocabulary.size();
    }

    /** Id of BOS; a BambooException if the tokenizer has none. */
    public int bos() {
        return requireSpecial("BOS", vocabulary.bos());
    }

    /** Id of EOS; a BambooException if the tokenizer has none. */
    public int eos() {
        return requireSpecial("EOS", vocabulary.eos());
    }

    /** Id of the unknown token, or -1. */
    public int unk() {
        return vocabulary.unk();
    }

    /** True when encoding puts a {@code ▁} before the text (SentencePiece's {@code add_dummy_prefix}). */
    public boolean addsDummyPrefix() {
        return normalizer.dummyPrefix() != TextNormalizer.DummyPrefix.NONE;
    }

    /** True when the tokenizer has a BOS token. */
    public boolean hasBos() {
        return vocabulary.bos() >= 0;
    }

    /** Whether prompts start with BOS (tokenizer_config.json add_bos_token, GGUF tokenizer.ggml.add_bos_token). */
    public boolean addBos() {
        return addBos;
    }

    /** Whether an id is a control token (BOS, EOS, chat markers), which text never produces and decode never shows. */
    public boolean isControl(int id) {
        return vocabulary.type(id) == TokenType.CONTROL;
    }

    public TokenType type(int id) {
        return vocabulary.type(id);
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    private static int requireSpecial(String what, int id) {
        if (id < 0) {
            throw new BambooException("the tokenizer has no " + what + " token: use a tokenizer that defines one");
        }
        return id;
    }
}
