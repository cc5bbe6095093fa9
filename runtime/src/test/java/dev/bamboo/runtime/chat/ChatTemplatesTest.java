package dev.bamboo.runtime.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.tokenizer.Tokenizer;
import dev.bamboo.runtime.tokenizer.TokenizerLoader;
import dev.bamboo.weights.BambooException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplatesTest {
    private static final List<Message> CONVERSATION = List.of(
            Message.system("Be brief."), Message.user("Hi"), Message.assistant("Hello!"), Message.user("2+2?"));

    @Test
    void chatml() {
        ChatPrompt p = ChatTemplates.byName("chatml").render(CONVERSATION, true);
        assertFalse(p.addBos());
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n", p.text());
    }

    @Test
    void llama2WithSystemMessage() {
        ChatPrompt p = ChatTemplates.byName("llama2").render(CONVERSATION, true);
        assertTrue(p.addBos());
        assertEquals("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] 2+2? [/INST]", p.text());
        ChatPrompt noSystem = ChatTemplates.byName("LLAMA2").render(List.of(Message.user("  Hi ")), true);
        assertEquals("[INST] Hi [/INST]", noSystem.text());
        // as the Llama-2-chat template: the first turn is stripped as a whole, the system message's own spaces stay
        ChatPrompt spaced = ChatTemplates.byName("llama2").render(List.of(Message.system(" Be brief. "), Message.user(" Hi ")), true);
        assertEquals("[INST] <<SYS>>\n Be brief. \n<</SYS>>\n\n Hi [/INST]", spaced.text());
    }

    @Test
    void mistralFoldsTheSystemMessageIntoTheFirstTurnWithOneBos() {
        ChatPrompt p = ChatTemplates.byName("mistral").render(CONVERSATION, true);
        assertTrue(p.addBos());
        assertEquals("[INST] Be brief.\n\nHi [/INST] Hello!</s>[INST] 2+2? [/INST]", p.text());
        assertEquals("[INST] Hi [/INST]", ChatTemplates.byName("Mistral-v1").render(List.of(Message.user("Hi")), true).text());
    }

    /** Mistral v0.3: no space before [/INST], the system message before the last user message. */
    @Test
    void mistralV3PutsTheSystemMessageInTheLastTurn() {
        ChatPrompt p = ChatTemplates.byName("mistral-v3").render(CONVERSATION, true);
        assertTrue(p.addBos());
        assertEquals("[INST] Hi[/INST] Hello!</s>[INST] Be brief.\n\n2+2?[/INST]", p.text());
        assertEquals("[INST] Be brief.\n\nHi[/INST]", ChatTemplates.byName("mistral-v3")
                .render(List.of(Message.system("Be brief."), Message.user("Hi")), true).text());
    }

    /**
     * Where [INST] and [/INST] are control tokens (Mistral's v3 vocabulary, here added to tiny-mistral's) they are their
     * ids, and the text after each has one ▁ (the space the template writes), as Mistral's tokenizer encodes it; where
     * they are not, the prompt is the template's text encoded as it is.
     */
    @Test
    void mistralV3UsesItsControlTokens(@TempDir Path dir) throws IOException {
        Path src = TestData.model("tiny-mistral");
        Files.copy(src.resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": true, "added_tokens_decoder": {
                  "1024": {"content": "[INST]", "special": true}, "1025": {"content": "[/INST]", "special": true}}}
                """);
        Tokenizer plain = TokenizerLoader.fromDirectory(src);
        Tokenizer v3 = TokenizerLoader.fromDirectory(dir);
        ChatPrompt p = ChatTemplates.byName("mistral-v3").render(List.of(Message.user("Hi"), Message.assistant("Yo"), Message.user("Ok")), true);
        int inst = v3.pieceId("[INST]"), end = v3.pieceId("[/INST]");
        int[] expected = Stream.of(new int[] {v3.bos(), inst}, v3.encode("Hi"), new int[] {end}, v3.encode("Yo"),
                new int[] {v3.eos(), inst}, v3.encode("Ok"), new int[] {end}).flatMapToInt(IntStream::of).toArray();
        assertArrayEquals(expected, p.encode(v3));
        int[] asText = Stream.of(new int[] {plain.bos()}, plain.encode("[INST] Hi[/INST] Yo"), new int[] {plain.eos()},
                plain.encode("[INST] Ok[/INST]")).flatMapToInt(IntStream::of).toArray();
        assertArrayEquals(asText, p.encode(plain));
    }

    @Test
    void vicuna() {
        ChatPrompt p = ChatTemplates.byName("vicuna").render(CONVERSATION, true);
        assertTrue(p.addBos());
        assertEquals("Be brief. USER: Hi ASSISTANT: Hello!</s>USER: 2+2? ASSISTANT:", p.text());
        assertTrue(ChatTemplates.byName("vicuna").render(List.of(Message.user("Hi")), true).text()
                .startsWith(VicunaTemplate.DEFAULT_SYSTEM + " USER: Hi ASSISTANT:"));
    }

    /** What eachadea/vicuna-13b-1.1's Jinja template (llama.cpp's vicuna) and the Orca-Vicuna one render, checked with jinja2. */
    @Test
    void vicunaAsTheJinjaTemplatesWriteIt() {
        ChatPrompt lines = ChatTemplates.byName("vicuna-lines").render(CONVERSATION, true);
        assertTrue(lines.addBos());
        assertEquals("Be brief.\n\nUSER: Hi\nASSISTANT: Hello!</s>\nUSER: 2+2?\nASSISTANT:", lines.text());
        assertEquals("USER: Hi\nASSISTANT:", ChatTemplates.byName("vicuna-lines").render(List.of(Message.user("Hi")), true).text());
        assertEquals("SYSTEM: Be brief.\nUSER: Hi\nASSISTANT: Hello!</s>\nUSER: 2+2?\nASSISTANT:",
                ChatTemplates.byName("vicuna-orca").render(CONVERSATION, true).text());
        assertEquals("USER: Hi\nASSISTANT: Yo</s>\n", ChatTemplates.byName("vicuna-lines").render(List.of(Message.user("Hi"), Message.assistant("Yo")), false).text());
    }

    /** Mistral v0.3's template trims each answer. */
    @Test
    void mistralV3TrimsAnswers() {
        assertEquals("[INST] Hi[/INST] Yo</s>[INST] Ok[/INST]", ChatTemplates.byName("mistral-v3")
                .render(List.of(Message.user("Hi"), Message.assistant("  Yo "), Message.user("Ok")), true).text());
    }

    @Test
    void zephyr() {
        ChatPrompt p = ChatTemplates.byName("zephyr").render(CONVERSATION, true);
        assertEquals("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n<|user|>\n2+2?</s>\n<|assistant|>\n", p.text());
        assertEquals("<|user|>\nHi</s>\n", ChatTemplates.byName("zephyr").render(List.of(Message.user("Hi")), false).text());
        assertTrue(p.addBos(), "a Zephyr prompt starts with BOS, as the models were trained");
    }

    /** The templates strip as Python does (Jinja's trim, str.strip): no-break spaces too, which Java's strip keeps. */
    @Test
    void templatesStripNoBreakSpacesAsJinjaDoes() {
        List<Message> spaced = List.of(Message.user("Hi\u00a0"), Message.assistant("\u202fYo\u00a0"), Message.user("Ok"));
        assertEquals("[INST] Hi [/INST] Yo </s><s>[INST] Ok [/INST]", ChatTemplates.byName("llama2").render(spaced, true).text());
        assertEquals("[INST] Hi\u00a0[/INST] Yo</s>[INST] Ok[/INST]", ChatTemplates.byName("mistral-v3").render(spaced, true).text());
    }

    @Test
    void turnsOutOfOrderAreRejected() {
        List<Message> twoUsers = List.of(Message.user("a"), Message.user("b"));
        assertThrows(BambooException.class, () -> ChatTemplates.byName("llama2").render(twoUsers, true));
        List<Message> lateSystem = List.of(Message.user("a"), Message.system("b"));
        assertThrows(BambooException.class, () -> ChatTemplates.byName("vicuna").render(lateSystem, true));
    }

    @Test
    void namesAreCaseInsensitiveAndKnowAliases() {
        assertEquals(ChatTemplates.byName("llama2"), ChatTemplates.byName(" Llama-2 "));
        assertEquals("mistral", ChatTemplates.byName(" MISTRAL ").name());
    }

    @Test
    void unknownNameListsTheValidOnes() {
        BambooException e = assertThrows(BambooException.class, () -> ChatTemplates.byName("alpaca"));
        assertTrue(e.getMessage().contains("alpaca") && e.getMessage().contains("chatml, llama2, mistral, mistral-v3, vicuna, vicuna-lines, vicuna-orca, zephyr"), e.getMessage());
    }

    @Test
    void detectsTemplatesFromJinja() {
        assertEquals("chatml", detect("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"));
        // Mistral-7B-Instruct-v0.1's template: one BOS, no <<SYS>>
        assertEquals("mistral", detect("{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}"));
        // Llama-2-chat's: <<SYS>> and a BOS before every [INST]
        assertEquals("llama2", detect("{% for message in loop_messages %}{% if loop.index0 == 0 and system_message != false %}"
                + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}"
                + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
                + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"));
        // Mistral-7B-Instruct-v0.3's: [/INST] right after the user's text, the system message with the last turn
        assertEquals("mistral-v3", detect("{{- bos_token }}{%- for message in loop_messages %}{%- if message['role'] == 'user' %}"
                + "{%- if loop.last and system_message is defined %}{{- '[INST] ' + system_message + '\\n\\n' + message['content'] + '[/INST]' }}"
                + "{%- else %}{{- '[INST] ' + message['content'] + '[/INST]' }}{%- endif %}{%- elif message['role'] == 'assistant' %}"
                + "{{- ' ' + message['content'] + eos_token}}{%- endif %}{%- endfor %}"));
        // ChatML that starts with the BOS (Hermes-2 style) keeps it; the common one has none
        ChatTemplate withBos = ChatTemplates.detect("{{bos_token}}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}").orElseThrow();
        assertEquals("chatml", withBos.name());
        assertTrue(withBos.render(List.of(Message.user("Hi")), true).addBos());
        assertFalse(ChatTemplates.detect("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}").orElseThrow()
                .render(List.of(Message.user("Hi")), true).addBos());
        assertEquals("zephyr", detect("{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + eos_token }}{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\\n' + message['content'] + eos_token }}{% endif %}{% endfor %}"));
        // Vicuna templates as llama.cpp tells them apart; FastChat's spaced format is in no Jinja template
        assertEquals("vicuna-lines", detect("{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
                + "{% elif message['role'] == 'user' %}{{ 'USER: ' + message['content'] + '\\n' }}{% else %}{{ 'ASSISTANT: ' + message['content'] + eos_token + '\\n' }}{% endif %}{% endfor %}"));
        assertEquals("vicuna-orca", detect("{% for message in messages %}{% if message['role'] == 'system' %}{{ 'SYSTEM: ' + message['content'] + '\\n' }}"
                + "{% elif message['role'] == 'user' %}{{ 'USER: ' + message['content'] + '\\n' }}{% else %}{{ 'ASSISTANT: ' + message['content'] + eos_token + '\\n' }}{% endif %}{% endfor %}"));
        // Zephyr with its role markers built from the role
        assertEquals("zephyr", detect("{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}{% endfor %}"));
        // Phi-3's role markers are Zephyr's, but it ends messages with <|end|>: not recognised (ChatML with a note)
        assertEquals("none", detect("{% for message in messages %}{{'<|' + message['role'] + '|>' + '\\n' + message['content'] + '<|end|>\\n'}}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}{{ '<|user|>' }}"));
        // a ChatML template's own system message for conversations without one (SmolLM2's)
        ChatTemplate smol = ChatTemplates.detect("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                + "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}"
                + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}").orElseThrow();
        assertEquals("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                smol.render(List.of(Message.user("Hi")), true).text());
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                smol.render(List.of(Message.system("Be brief."), Message.user("Hi")), true).text());
        assertEquals(Optional.empty(), ChatTemplates.detect("{{ messages[0]['content'] }}"));
        assertEquals(Optional.empty(), ChatTemplates.detect(null));
    }

    private static String detect(String jinja) {
        return ChatTemplates.detect(jinja).map(ChatTemplate::name).orElse("none");
    }

    @Test
    void specialTokensBecomeTheirIdsAndTextIsEncodedPerPart() {
        Tokenizer tok = TokenizerLoader.fromDirectory(TestData.model("tiny-bamboo"));
        ChatPrompt p = ChatTemplates.byName("llama2").render(List.of(Message.user("Hi"), Message.assistant("Yo"), Message.user("Ok")), true);
        int[] ids = p.encode(tok);
        int[] first = tok.encode("[INST] Hi [/INST] Yo ");
        int[] second = tok.encode("[INST] Ok [/INST]");
        int[] expected = IntStream.concat(IntStream.concat(IntStream.of(tok.bos()), IntStream.of(first)),
                IntStream.concat(IntStream.of(tok.eos(), tok.bos()), IntStream.of(second))).toArray();
        assertArrayEquals(expected, ids);
        // Text right after the prompt's own BOS keeps a leading space (only a space after a special part stands for the prefix)
        int[] vicuna = ChatTemplates.byName("vicuna").render(List.of(Message.system(" Be brief."), Message.user("Hi")), true).encode(tok);
        assertArrayEquals(IntStream.concat(IntStream.of(tok.bos()), IntStream.of(tok.encode(" Be brief. USER: Hi ASSISTANT:"))).toArray(), vicuna);
        // The tiny vocabulary has no <|im_start|> piece, so ChatML markers are plain text, encoded with the text around them.
        int[] chatml = ChatTemplates.byName("chatml").render(List.of(Message.user("Hi")), false).encode(tok);
        assertArrayEquals(tok.encode("<|im_start|>user\nHi<|im_end|>\n"), chatml);
    }

    @Test
    void markersInTheVocabularyBecomeSingleTokens() {
        String[] pieces = {"<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>", "\u2581", "u", "s", "e", "r", "\u2581user", "\u2581u", "\u2581us", "\u2581use", "\n"};
        int[] types = {2, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] scores = new float[pieces.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = -i;
        }
        Tokenizer tok = TokenizerLoader.fromGgufArrays("llama", pieces, scores, types, 1, 2, 0, true, true);
        int[] ids = ChatTemplates.byName("chatml").render(List.of(Message.user("user")), false).encode(tok);
        // <|im_start|> "▁user\nuser" <|im_end|> "▁\n"
        assertArrayEquals(new int[] {3, 10, 14, 6, 7, 8, 9, 4, 5, 14}, ids);
    }
}
