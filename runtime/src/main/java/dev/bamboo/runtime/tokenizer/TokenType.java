package dev.bamboo.runtime.tokenizer;

import dev.bamboo.weights.BambooException;

/** SentencePiece piece types; the codes are those of {@code ModelProto.SentencePiece.Type} and of GGUF's token_type. */
public enum TokenType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static TokenType ofCode(int code) {
        for (TokenType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new BambooException("unknown token type " + code + " (valid: 1..6 = NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE): the tokenizer file is corrupt");
    }
}
