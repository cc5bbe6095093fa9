package dev.bamboo.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.tokenizer.Tokenizer;
import dev.bamboo.runtime.tokenizer.TokenizerLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built-in templates against real Hugging Face chat templates as transformers renders them
 * ({@code testdata/chat/jinja-renderings.json}, made with jinja2 by {@code make_renderings.py}): each template is
 * recognised as the built-in it is, and the built-in renders every conversation as the template does, but for the
 * differences Bamboo makes on purpose, each checked here as such.
 */
class JinjaRenderingsTest {
    /**
     * Mistral-7B-Instruct v0.1 and v0.2 as first released: their templates glue the answer to {@code [/INST]} (so it
     * loses the word-start {@code ▁} that Mistral's own tokenizer gives it) and refuse a system message. Mistral's
     * updated template (in the data as {@code mistral-v0.2}) fixed both; the built-in renders that one.
     */
    private static final Set<String> SUPERSEDED = Set.of("mistral-v0.1", "mistral-v0.2-original");
    private static final Set<String> BOS_ADDED = Set.of("zephyr", "vicuna", "orca-vicuna");
    private static final Pattern SPECIAL = Pattern.compile("<s>|</s>");

    @Test
    void everyTemplateIsRecognisedAndRendersTheConversationsAsJinjaDoes() throws IOException {
        JsonNode data = new ObjectMapper().readTree(TestData.testdata("chat/jinja-renderings.json").toFile());
        Tokenizer tokenizer = TokenizerLoader.fromDirectory(TestData.model("tiny-mistral"));
        int compared = 0;
        for (JsonNode template : data.get("templates")) {
            String name = template.get("name").asText();
            ChatTemplate builtIn = ChatTemplates.detect(template.get("jinja").asText()).orElseThrow(() -> new AssertionError(name + " not recognised"));
            assertEquals(template.get("expected_template").asText(), builtIn.name(), name);
            for (JsonNode c : template.get("cases")) {
                List<Message> messages = messages(c.get("messages"));
                ChatPrompt prompt = builtIn.render(messages, c.get("add_generation_prompt").asBoolean());
                String where = name + " " + c.get("messages") + " generation prompt " + c.get("add_generation_prompt");
                if (SUPERSEDED.contains(name)) {
                    assertEquals(hasSystem(messages), c.has("error"), where + ": only a system message is refused");
                    if (c.has("error")) continue;
                    String rendered = c.get("rendered").asText(), ours = "<s>" + prompt.text();
                    Optional<Message> answer = messages.stream().filter(a -> a.role() == Message.Role.ASSISTANT).findFirst();
                    if (answer.isEmpty()) {
                        assertEquals(rendered, ours, where);
                    } else {
                        // the answer glued to [/INST] there, a word of its own here
                        assertTrue(rendered.contains("[/INST]" + answer.get().content()), where + ": " + rendered);
                        assertTrue(ours.contains("[/INST] " + answer.get().content()), where + ": " + ours);
                    }
                    continue;
                }
                String rendered = c.get("rendered").asText();
                String ours = (prompt.addBos() ? "<s>" : "") + prompt.text();
                boolean bosAdded = !rendered.startsWith("<s>") && prompt.addBos();
                if (bosAdded) {
                    // Zephyr and Vicuna templates write no BOS; their models were trained on the rendered text tokenized
                    // with one, as llama.cpp runs every chat: Bamboo starts their prompts with it (ChatML's has none)
                    assertTrue(BOS_ADDED.contains(name), where);
                    ours = prompt.text();
                }
                if (name.equals("mistral-v0.2")) {
                    // its " [INST]" after <s> and </s> is the word-start space, which the built-in leaves to the
                    // tokenizer's dummy prefix: the same tokens
                    assertEquals(rendered.replace("<s> [INST]", "<s>[INST]").replace("</s> [INST]", "</s>[INST]"), ours, where);
                } else {
                    assertEquals(rendered, ours, where);
                }
                int[] theirs = parse(rendered).encode(tokenizer);
                int[] mine = prompt.encode(tokenizer);
                if (bosAdded) mine = Arrays.copyOfRange(mine, 1, mine.length);
                assertArrayEquals(theirs, mine, where);
                compared++;
            }
        }
        assertEquals(49, compared, "cases compared");
    }

    private static boolean hasSystem(List<Message> messages) {
        return messages.stream().anyMatch(m -> m.role() == Message.Role.SYSTEM);
    }

    private static List<Message> messages(JsonNode list) {
        List<Message> out = new ArrayList<>();
        for (JsonNode m : list) out.add(new Message(Message.Role.valueOf(m.get("role").asText().toUpperCase(Locale.ROOT)), m.get("content").asText()));
        return out;
    }

    /**
     * Jinja's text as transformers tokenizes it: {@code <s>} and {@code </s>} are the special tokens, the text between
     * them is encoded run by run, a space after a special token standing for the word start (as Mistral's updated
     * tokenizer, whose template writes {@code <s> [INST]}, reads it).
     */
    private static ChatPrompt parse(String rendered) {
        List<ChatPrompt.Part> parts = new ArrayList<>();
        Matcher m = SPECIAL.matcher(rendered);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) parts.add(new ChatPrompt.Part.Text(rendered.substring(at, m.start())));
            parts.add(m.group().equals("<s>") ? new ChatPrompt.Part.Bos() : new ChatPrompt.Part.Eos());
            at = m.end();
        }
        if (at < rendered.length()) parts.add(new ChatPrompt.Part.Text(rendered.substring(at)));
        return new ChatPrompt(false, parts);
    }
}
