package dev.bamboo.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.bamboo.runtime.tokenizer.Tokenizer;
import dev.bamboo.runtime.tokenizer.TokenizerLoader;
import org.junit.jupiter.api.Test;

/** llama.cpp's end-of-turn texts stop generation when they are control or added tokens, never as ordinary text pieces. */
class EndOfTurnMarkersTest {

    @Test
    void onlyControlAndUserDefinedMarkersCount() {
        String[] pieces = {"<unk>", "<s>", "</s>", "<|im_end|>", "<|eot_id|>", "<|end|>", "\u2581", "a"};
        int[] types = {2, 3, 3, 3, 4, 1, 1, 1}; // <|end|> is a NORMAL piece here: text, not a marker
        Tokenizer tok = TokenizerLoader.fromGgufArrays("llama", pieces, new float[pieces.length], types, 1, 2, 0, true, true);
        assertArrayEquals(new int[] {3, 4}, ModelStopTokens.endOfTurnMarkers(tok));
    }
}
