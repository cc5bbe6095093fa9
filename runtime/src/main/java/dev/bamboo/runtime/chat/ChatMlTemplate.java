package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/** ChatML: {@code <|im_start|>role\ncontent<|im_end|>\n} per message; no BOS (the template writes none). */
public record ChatMlTemplate() implements ChatTemplate {
    static final String START = "<|im_start|>";
    static final String END = "<|im_end|>";

    @Override
    public String name() {
        return "chatml";
    }

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        List<ChatPrompt.Part> parts = new ArrayList<>();
        for (Message m : conversation) {
            parts.add(new ChatPrompt.Part.Marker(START));
            parts.add(new ChatPrompt.Part.Text(m.role().name().toLowerCase(java.util.Locale.ROOT) + "\n" + m.content()));
            parts.add(new ChatPrompt.Part.Marker(END));
            parts.add(new ChatPrompt.Part.Text("\n"));
        }
        if (addGenerationPrompt) {
            parts.add(new ChatPrompt.Part.Marker(START));
            parts.add(new ChatPrompt.Part.Text("assistant\n"));
        }
        return new ChatPrompt(false, parts);
    }
}
