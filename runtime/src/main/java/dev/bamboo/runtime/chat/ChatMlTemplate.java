package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * ChatML: {@code <|im_start|>role\ncontent<|im_end|>\n} per message. By name without a BOS, as the common template
 * writes none; recognised from a template that writes {@code bos_token} (ChatML fine-tunes of Llama and Mistral), with
 * one.
 *
 * @param bos           whether the conversation starts with the tokenizer's BOS
 * @param defaultSystem the system message of a conversation that has none, as some models' templates write one; null
 *                      for none
 */
public record ChatMlTemplate(boolean bos, String defaultSystem) implements ChatTemplate {
    static final String START = "<|im_start|>";
    static final String END = "<|im_end|>";

    @Override
    public String name() {
        return "chatml";
    }

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        List<ChatPrompt.Part> parts = new ArrayList<>();
        List<Message> messages = conversation;
        if (defaultSystem != null && (conversation.isEmpty() || conversation.getFirst().role() != Message.Role.SYSTEM)) {
            messages = new ArrayList<>(conversation);
            messages.addFirst(Message.system(defaultSystem));
        }
        for (Message m : messages) {
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
