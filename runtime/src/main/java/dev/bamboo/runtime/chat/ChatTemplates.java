package dev.bamboo.runtime.chat;

import dev.bamboo.weights.BambooException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The built-in chat templates: by name, and recognised from a tokenizer_config.json {@code chat_template}. */
public final class ChatTemplates {
    private static final List<ChatTemplate> ALL = List.of(
            new ChatMlTemplate(), new Llama2Template(), new VicunaTemplate(), new ZephyrTemplate());

    private ChatTemplates() {
    }

    public static List<ChatTemplate> all() {
        return ALL;
    }

    /** Other names users know these templates by. */
    private static final Map<String, String> ALIASES = Map.of("mistral", "llama2", "llama-2", "llama2");

    /** The template with this name (case-insensitive, or an alias such as mistral); a BambooException listing the valid names. */
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
            return Optional.of(byName("chatml"));
        }
        if (t.contains("<|user|>") && t.contains("<|assistant|>")) {
            return Optional.of(byName("zephyr"));
        }
        if (t.contains("[INST]")) {
            return Optional.of(byName("llama2"));
        }
        if (t.contains("USER:") && t.contains("ASSISTANT:")) {
            return Optional.of(byName("vicuna"));
        }
        return Optional.empty();
    }
}
