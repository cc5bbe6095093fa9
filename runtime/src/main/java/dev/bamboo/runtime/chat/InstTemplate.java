package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * The two {@code [INST]} formats, which differ in details that models are trained on:
 * <ul>
 *   <li>{@link #LLAMA2}, Llama-2 chat as Meta's reference code and the Llama-2-chat {@code chat_template} write it: each
 *       exchange {@code <s>[INST] user [/INST] answer </s>} (a BOS before every turn), a system message as a
 *       {@code <<SYS>>\nsystem\n<</SYS>>\n\n} block at the start of the first turn; each user turn (the first with its
 *       system block) and each answer stripped of surrounding whitespace as a whole.</li>
 *   <li>{@link #MISTRAL}, Mistral instruct (the v1 format of Mistral-7B-Instruct v0.1/v0.2 and Mixtral): one BOS for the
 *       conversation, each exchange {@code [INST] user [/INST] answer</s>}; Mistral has no system role, so a system
 *       message goes before the first user message, a blank line between (Mistral's template, llama.cpp's
 *       {@code mistral-v1}); contents as written.</li>
 * </ul>
 * Either way the last user turn is {@code [INST] user [/INST]}, where the reply begins.
 *
 * @param llama2 Llama-2's details, else Mistral's
 */
public record InstTemplate(String name, boolean llama2) implements ChatTemplate {
    public static final InstTemplate LLAMA2 = new InstTemplate("llama2", true);
    public static final InstTemplate MISTRAL = new InstTemplate("mistral", false);

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        Turns t = Turns.of(conversation, name);
        List<ChatPrompt.Part> parts = new ArrayList<>();
        List<Message> turns = t.turns();
        for (int i = 0; i < turns.size(); i += 2) {
            String user = turns.get(i).content();
            if (i == 0 && t.system() != null) {
                user = llama2 ? "<<SYS>>\n" + t.system() + "\n<</SYS>>\n\n" + user : t.system() + "\n\n" + user;
            }
            if (llama2) user = user.strip();
            if (llama2 && i > 0) parts.add(new ChatPrompt.Part.Bos()); // the first BOS is the prompt's own (addBos)
            String inst = "[INST] " + user + " [/INST]";
            if (i + 1 < turns.size()) {
                String answer = turns.get(i + 1).content();
                parts.add(new ChatPrompt.Part.Text(inst + " " + (llama2 ? answer.strip() + " " : answer)));
                parts.add(new ChatPrompt.Part.Eos());
            } else {
                parts.add(new ChatPrompt.Part.Text(inst));
            }
        }
        return new ChatPrompt(true, parts);
    }
}
