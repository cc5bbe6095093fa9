package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Zephyr: {@code <|role|>\ncontent</s>\n} per message (the role markers are plain text in Zephyr's vocabulary, the
 * {@code </s>} is EOS), {@code <|assistant|>\n} to prompt a reply. The prompt starts with BOS, which the template does
 * not write: Zephyr models are Llama/Mistral models trained on the rendered text tokenized with it (as their model
 * cards run them, and as llama.cpp tokenizes every chat), like Vicuna's.
 */
public record ZephyrTemplate() implements ChatTemplate {

    @Override
    public String name() {
        return "zephyr";
    }

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        List<ChatPrompt.Part> parts = new ArrayList<>();
        String pending = "";
        for (Message m : conversation) {
            parts.add(new ChatPrompt.Part.Text(pending + "<|" + m.role().name().toLowerCase(Locale.ROOT) + "|>\n" + m.content()));
            parts.add(new ChatPrompt.Part.Eos());
            pending = "\n";
        }
        if (addGenerationPrompt) {
            parts.add(new ChatPrompt.Part.Text(pending + "<|assistant|>\n"));
        } else if (!pending.isEmpty()) {
            parts.add(new ChatPrompt.Part.Text(pending));
        }
        return new ChatPrompt(true, parts);
    }
}
