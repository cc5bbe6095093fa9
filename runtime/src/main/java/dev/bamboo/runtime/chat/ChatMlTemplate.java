package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * ChatML: {@code <|im_start|>role\ncontent<|im_end|>\n} per message. By name without a BOS, as the common template
 * writes none; recognised from a template that writes {@code bos_token} (ChatML fine-tunes of Llama and Mistral), with
 * one.
 *
 * @param bos whether the conversation starts with the tokenizer's BOS
 */
public record ChatMlTemplate(boolean bos) implements ChatTemplate {
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
        return new ChatPrompt(bos, parts);
    }
}
