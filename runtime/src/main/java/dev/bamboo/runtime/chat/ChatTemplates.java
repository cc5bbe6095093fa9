package dev.bamboo.runtime.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.BoundedRead;
import dev.bamboo.weights.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The built-in chat templates: by name, and recognised from a tokenizer_config.json {@code chat_template}. */
public final class ChatTemplates {
    private static final List<ChatTemplate> ALL = List.of(
            new ChatMlTemplate(false, null), InstTemplate.LLAMA2, InstTemplate.MISTRAL, InstTemplate.MISTRAL_V3,
            VicunaTemplate.FASTCHAT, VicunaTemplate.LINES, VicunaTemplate.ORCA, new ZephyrTemplate());

    private ChatTemplates() {
    }

    /** Other names users know these templates by. */
    private static final Map<String, String> ALIASES = Map.of("llama-2", "llama2", "mistral-v1", "mistral");

    /** The template with this name (case-insensitive, or an alias such as llama-2); a BambooException listing the valid names. */
    public static ChatTemplate byName(String name) {
        String given = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        String key = ALIASES.getOrDefault(given, given);
        for (ChatTemplate t : ALL) {
            if (t.name().equals(key)) {
                return t;
            }
        }
        throw new BambooException("unknown chat template '" + name + "'; valid names: "
                + ALL.stream().map(ChatTemplate::name).collect(Collectors.joining(", ")));
    }

    /**
     * The built-in template that a Jinja {@code chat_template} corresponds to, recognised by its markers; empty if none
     * (the caller then needs an explicit template name).
     */
    public static Optional<ChatTemplate> detect(String jinjaChatTemplate) {
        if (jinjaChatTemplate == null || jinjaChatTemplate.isBlank()) {
            return Optional.empty();
        }
        String t = jinjaChatTemplate;
        if (t.contains(ChatMlTemplate.START)) {
            // some ChatML fine-tunes of Llama and Mistral start the conversation with the BOS their tokenizer has, and
            // some write a system message of their own when the conversation has none
            Matcher system = CHATML_DEFAULT_SYSTEM.matcher(t);
            return Optional.of(new ChatMlTemplate(t.contains("bos_token"), system.find() ? system.group(1).replace("\\n", "\n") : null));
        }
        boolean zephyrMarkers = t.contains("<|user|>") && t.contains("<|assistant|>") || t.replace(" ", "").contains("'<|'+message['role']+'|>");
        if (zephyrMarkers && !t.contains("<|end|>")) {
            // Phi-3 uses the same role markers, but ends a message with <|end|>, not </s>
            return Optional.of(byName("zephyr"));
        }
        if (t.contains("[INST]")) {
            // Llama-2 wraps the system message in <<SYS>> and starts every turn with BOS; Mistral does neither, and its
            // v3 format (v0.3) writes [/INST] right after the user's text where v1 leaves a space
            if (t.contains("<<SYS>>") || t.replace(" ", "").contains("bos_token+'[INST]")) return Optional.of(InstTemplate.LLAMA2);
            return Optional.of(t.contains("[/INST]") && !t.contains(" [/INST]") ? InstTemplate.MISTRAL_V3 : InstTemplate.MISTRAL);
        }
        if (t.contains("USER:") && t.contains("ASSISTANT:")) {
            // as llama.cpp tells them apart; FastChat's own format (spaces, a default system prompt) is in no Jinja template
            return Optional.of(t.contains("SYSTEM: ") ? VicunaTemplate.ORCA : VicunaTemplate.LINES);
        }
        return Optional.empty();
    }

    /**
     * A ChatML template's own system message for conversations without one: a literal {@code <|im_start|>system\n...
     * <|im_end|>} in the template source (SmolLM2, Qwen), the line break written as the Jinja escape or as itself.
     */
    private static final Pattern CHATML_DEFAULT_SYSTEM = Pattern.compile("<\\|im_start\\|>system(?:\\\\n|\n)([^'\"{}<]+?)<\\|im_end\\|>");

    /** The built-in template matching the chat template a model ships (see {@link #shippedJinja}); empty if none matches. */
    public static Optional<ChatTemplate> shippedWith(Model model) {
        return shippedJinja(model).flatMap(ChatTemplates::detect);
    }

    /** chat_template.jinja files larger than this are refused unread (templates take a few KiB). */
    private static final int MAX_TEMPLATE = 16 << 20;

    /**
     * The Jinja chat template the model ships: GGUF {@code tokenizer.chat_template}; in a Hugging Face directory, where
     * transformers looks for it: {@code chat_template.jinja} (what recent versions save), {@code chat_template.json},
     * then {@code tokenizer_config.json}'s {@code chat_template} (a string, or a list of named templates of which
     * {@code default} is the one used).
     */
    private static Optional<String> shippedJinja(Model m) {
        if (m.loaded().ggufMetadata().isPresent()) return m.loaded().ggufMetadata().get().string("tokenizer.chat_template");
        Path dir = m.loaded().path();
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Optional.of(BoundedRead.text(jinja, MAX_TEMPLATE));
            } catch (BoundedRead.TooLargeException e) {
                throw new BambooException(jinja + " holds more than " + BoundedRead.mib(e.limit()) + ", which is no chat template; fix or remove it");
            } catch (IOException e) {
                throw new BambooException(jinja + ": cannot read it as UTF-8 text; fix or remove it");
            }
        }
        for (String file : List.of("chat_template.json", "tokenizer_config.json")) {
            Path json = dir.resolve(file);
            if (!Files.isRegularFile(json)) continue;
            JsonNode t = JsonFiles.readObject(json, "fix or remove it").get("chat_template");
            if (t != null && t.isTextual()) return Optional.of(t.asText());
            if (t != null && t.isArray()) {
                for (JsonNode named : t) {
                    if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                        return Optional.of(named.path("template").asText());
                    }
                }
            }
        }
        return Optional.empty();
    }
}
