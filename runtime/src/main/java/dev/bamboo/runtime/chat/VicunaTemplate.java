package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Vicuna v1.1 (FastChat): {@code system USER: u ASSISTANT: a</s>USER: u ASSISTANT:}, with FastChat's default system
 * prompt when the conversation has none, and BOS first as FastChat's tokenization adds it.
 */
public record VicunaTemplate() implements ChatTemplate {
    static final String DEFAULT_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    @Override
    public String name() {
        return "vicuna";
    }

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        Turns t = Turns.of(conversation, name());
        List<ChatPrompt.Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder(t.system() != null ? t.system() : DEFAULT_SYSTEM).append(' ');
        List<Message> turns = t.turns();
        for (int i = 0; i < turns.size(); i++) {
            Message m = turns.get(i);
            if (m.role() == Message.Role.USER) {
                text.append("USER: ").append(m.content()).append(' ');
            } else {
                text.append("ASSISTANT: ").append(m.content());
                parts.add(new ChatPrompt.Part.Text(text.toString()));
                parts.add(new ChatPrompt.Part.Eos());
                text.setLength(0);
            }
        }
        if (addGenerationPrompt) {
            text.append("ASSISTANT:");
        }
        if (!text.isEmpty()) {
            parts.add(new ChatPrompt.Part.Text(text.toString()));
        }
        return new ChatPrompt(true, parts);
    }
}
