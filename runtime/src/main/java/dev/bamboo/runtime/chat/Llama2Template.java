package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Llama-2 chat / Mistral instruct, as Meta's reference code writes it: each exchange is
 * {@code <s>[INST] user [/INST] answer </s>}, the last user turn {@code <s>[INST] user [/INST]}; a system message goes
 * into the first user turn as {@code <<SYS>>\nsystem\n<</SYS>>\n\n}. Contents are stripped of surrounding whitespace.
 */
public record Llama2Template() implements ChatTemplate {

    @Override
    public String name() {
        return "llama2";
    }

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        Turns t = Turns.of(conversation, name());
        List<ChatPrompt.Part> parts = new ArrayList<>();
        List<Message> turns = t.turns();
        for (int i = 0; i < turns.size(); i += 2) {
            String user = turns.get(i).content().strip();
            if (i == 0 && t.system() != null) {
                user = "<<SYS>>\n" + t.system().strip() + "\n<</SYS>>\n\n" + user;
            }
            if (i > 0) {
                parts.add(new ChatPrompt.Part.Bos()); // the first BOS is the prompt's own (addBos)
            }
            if (i + 1 < turns.size()) {
                parts.add(new ChatPrompt.Part.Text("[INST] " + user + " [/INST] " + turns.get(i + 1).content().strip() + " "));
                parts.add(new ChatPrompt.Part.Eos());
            } else {
                parts.add(new ChatPrompt.Part.Text("[INST] " + user + " [/INST]"));
            }
        }
        return new ChatPrompt(true, parts);
    }
}
