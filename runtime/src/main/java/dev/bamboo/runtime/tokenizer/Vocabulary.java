package dev.bamboo.runtime.tokenizer;

import dev.bamboo.weights.BambooException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of a SentencePiece-style vocabulary with their scores and types, and the special ids.
 * Only NORMAL, USER_DEFINED and UNUSED pieces can be produced from text (as in SentencePiece): CONTROL pieces such
 * as {@code <s>} are never matched in plain text, BYTE pieces only come from byte fallback.
 */
public final class Vocabulary {
    private final String[] pieces;
    private final float[] scores;
    private final TokenType[] types;
    private final Map<String, Integer> textPieces = new HashMap<>();
    private final Map<String, Integer> allPieces = new HashMap<>();
    private final int[] byteIds = new int[256];
    private final List<String> userDefined = new ArrayList<>();
    private final int unk;
    private final int bos;
    private final int eos;

    /**
     * @param unk id of the unknown piece, or -1 if none
     * @param bos id of BOS, or -1 if none
     * @param eos id of EOS, or -1 if none
     */
    public Vocabulary(String[] pieces, float[] scores, TokenType[] types, int unk, int bos, int eos) {
        if (pieces.length == 0) {
            throw new BambooException("the tokenizer vocabulary is empty: the tokenizer file is corrupt");
        }
        if (scores.length != pieces.length || types.length != pieces.length) {
            throw new BambooException("tokenizer has " + pieces.length + " pieces but " + scores.length + " scores and "
                    + types.length + " types: the tokenizer file is corrupt");
        }
        this.pieces = pieces.clone();
        this.scores = scores.clone();
        this.types = types.clone();
        this.unk = checkId("unknown", unk);
        this.bos = checkId("BOS", bos);
        this.eos = checkId("EOS", eos);
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < pieces.length; id++) {
            String p = pieces[id];
            if (p == null) {
                throw new BambooException("tokenizer piece " + id + " is missing: the tokenizer file is corrupt");
            }
            // merges compare scores: a NaN would order them arbitrarily and tokenize text differently, without a word
            if (Float.isNaN(scores[id])) {
                throw new BambooException("tokenizer piece " + id + " has a score that is not a number: the tokenizer file is corrupt");
            }
            allPieces.putIfAbsent(p, id);
            switch (types[id]) {
                case NORMAL, UNUSED -> textPieces.putIfAbsent(p, id);
                case USER_DEFINED -> {
                    textPieces.putIfAbsent(p, id);
                    if (!p.isEmpty()) {
                        userDefined.add(p);
                    }
                }
                case BYTE -> byteIds[parseBytePiece(id, p)] = id;
                case UNKNOWN, CONTROL -> { }
            }
        }
    }

    private int checkId(String what, int id) {
        if (id < -1 || id >= pieces.length) {
            throw new BambooException(what + " token id " + id + " is outside the vocabulary of " + pieces.length
                    + " pieces: the tokenizer file is corrupt");
        }
        return id;
    }

    /** The byte of a {@code <0xAB>} piece (SentencePiece writes exactly this form, upper-case hex). */
    static int parseBytePiece(int id, String p) {
        int b = BytePiece.parse(p);
        if (b >= 0) return b;
        throw new BambooException("byte piece " + id + " is '" + p + "', not of the form <0xAB>: the tokenizer file is corrupt");
    }

    public int size() {
        return pieces.length;
    }

    public String piece(int id) {
        return pieces[checkRange(id)];
    }

    public float score(int id) {
        return scores[checkRange(id)];
    }

    public TokenType type(int id) {
        return types[checkRange(id)];
    }

    private int checkRange(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new BambooException("token id " + id + " is outside the tokenizer vocabulary of " + pieces.length
                    + " pieces: the model and tokenizer do not match");
        }
        return id;
    }

    /** Id of a piece that text may turn into (NORMAL, USER_DEFINED, UNUSED), or -1. */
    public int textPieceId(String piece) {
        Integer id = textPieces.get(piece);
        return id == null ? -1 : id;
    }

    /** Id of any piece, control pieces included (for chat-template markers such as {@code <|im_start|>}), or -1. */
    public int anyPieceId(String piece) {
        Integer id = allPieces.get(piece);
        return id == null ? -1 : id;
    }

    /** Id of the {@code <0xAB>} piece for a byte (0..255), or -1 if the vocabulary lacks it. */
    public int byteId(int b) {
        return byteIds[b];
    }

    public boolean hasBytePieces() {
        for (int id : byteIds) {
            if (id >= 0) {
                return true;
            }
        }
        return false;
    }

    List<String> userDefinedPieces() {
        return userDefined;
    }

    public int unk() {
        return unk;
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }
}
