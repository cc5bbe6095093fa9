package dev.bamboo.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bamboo.runtime.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * Tokens a Hugging Face folder adds past its tokenizer.model (how ChatML fine-tunes of Llama and Mistral ship
 * {@code <|im_start|>} and {@code <|im_end|>}): the demo model's tokenizer (2048 pieces) with three added.
 */
class AddedTokensTest {

    @Test
    void addedTokensExtendTheSentencePieceVocabulary(@TempDir Path dir) throws IOException {
        Files.copy(TestData.model("bamboo-demo").resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": true, "eos_token": "<|im_end|>", "added_tokens_decoder": {
                  "0": {"content": "<unk>", "special": true},
                  "2048": {"content": "<|im_end|>", "special": true},
                  "2049": {"content": "<|im_start|>", "special": true}}}
                """);
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<|im_end|>\": 2048, \"<tool>\": 2050}");
        Tokenizer plain = TokenizerLoader.fromDirectory(TestData.model("bamboo-demo"));
        Tokenizer tok = TokenizerLoader.fromDirectory(dir);

        assertEquals(2051, tok.vocabSize());
        assertEquals(2048, tok.pieceId("<|im_end|>"));
        assertEquals(TokenType.CONTROL, tok.type(2049));
        assertEquals(TokenType.USER_DEFINED, tok.type(2050));
        assertEquals("<unk>", tok.piece(0), "an added token at one of the model's own ids changes nothing");
        // control tokens never come from text and show nothing; an added user-defined piece is one token in text
        assertArrayEquals(plain.encode("say <|im_end|> now"), tok.encode("say <|im_end|> now"));
        assertTrue(IntStream.of(tok.encode("a<tool>b")).anyMatch(id -> id == 2050));
        assertFalse(IntStream.of(plain.encode("a<tool>b")).anyMatch(id -> id >= 2048));
        assertEquals("hi<tool>", tok.decode(IntStream.concat(IntStream.of(tok.encode("hi")), IntStream.of(2048, 2050)).toArray()));
    }
}
