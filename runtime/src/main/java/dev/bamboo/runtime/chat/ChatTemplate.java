package dev.bamboo.runtime.chat;

import java.util.List;

/** A built-in chat format. Choose one with {@link ChatTemplates#byName} or {@link ChatTemplates#detect}. */
public sealed interface ChatTemplate permits ChatMlTemplate, InstTemplate, VicunaTemplate, ZephyrTemplate {

    /** The name users pass on the command line. */
    String name();

    /**
     * Renders a conversation. With {@code addGenerationPrompt} the prompt ends where the assistant's next reply begins.
     * A BambooException if the conversation does not fit the format (e.g. turns out of order).
     */
    ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt);
}
