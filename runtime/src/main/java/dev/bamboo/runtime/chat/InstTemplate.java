package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code [INST]} formats, which differ in details that models are trained on:
 * <ul>
 *   <li>{@link #LLAMA2}, Llama-2 chat as Meta's reference code and the Llama-2-chat {@code chat_template} write it: each
 *       exchange {@code <s>[INST] user [/INST] answer </s>} (a BOS before every turn), a system message as a
 *       {@code <<SYS>>\nsystem\n<</SYS>>\n\n} block at the start of the first turn; each user turn (the first with its
 *       system block) and each answer stripped of surrounding whitespace as a whole.</li>
 *   <li>{@link #MISTRAL}, Mistral instruct (the v1 format of Mistral-7B-Instruct v0.1/v0.2 and Mixtral): one BOS for the
 *       conversation, each exchange {@code [INST] user [/INST] answer</s>}; Mistral has no system role, so a system
 *       message goes before the first user message, a blank line between (Mistral's template, llama.cpp's
 *       {@code mistral-v1}); contents as written.</li>
 *   <li>{@link #MISTRAL_V3}, the v3 format of Mistral-7B-Instruct v0.3: one BOS, each exchange
 *       {@code [INST] user[/INST] answer</s>}, where {@code [INST]} and {@code [/INST]} are control tokens of the v3
 *       vocabulary (plain text in one without them), and the system message goes before the <em>last</em> user
 *       message, a blank line between, and each answer stripped of surrounding whitespace (Mistral's v0.3 template).</li>
 * </ul>
 * Either way the last user turn ends with {@code [/INST]}, where the reply begins.
 */
public record InstTemplate(Style style) implements ChatTemplate {
    /** The formats, each with the name users give {@code --chat-template}. */
    public enum Style {
        LLAMA2("llama2"), MISTRAL_V1("mistral"), MISTRAL_V3("mistral-v3");

        private final String name;

        Style(String name) {
            this.name = name;
        }
    }

    public static final InstTemplate LLAMA2 = new InstTemplate(Style.LLAMA2);
    public static final InstTemplate MISTRAL = new InstTemplate(Style.MISTRAL_V1);
    public static final InstTemplate MISTRAL_V3 = new InstTemplate(Style.MISTRAL_V3);

    @Override
    public String name() {
        return style.name;
    }

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        Turns t = Turns.of(conversation, name());
        List<ChatPrompt.Part> parts = new ArrayList<>();
        List<Message> turns = t.turns();
        boolean llama2 = style == Style.LLAMA2;
        for (int i = 0; i < turns.size(); i += 2) {
            String user = withSystem(t.system(), turns.get(i).content(), i, turns.size());
            boolean answered = i + 1 < turns.size();
            if (style == Style.MISTRAL_V3) {
                // the text after each control token starts with the space the template writes (see ChatPrompt#encode)
                parts.add(new ChatPrompt.Part.Marker("[INST]"));
                parts.add(new ChatPrompt.Part.Text(" " + user));
                parts.add(new ChatPrompt.Part.Marker("[/INST]"));
                if (answered) {
                    parts.add(new ChatPrompt.Part.Text(" " + TemplateText.strip(turns.get(i + 1).content()))); // the template trims answers
                    parts.add(new ChatPrompt.Part.Eos());
                }
                continue;
            }
            if (llama2) user = TemplateText.strip(user);
            if (llama2 && i > 0) parts.add(new ChatPrompt.Part.Bos()); // the first BOS is the prompt's own (addBos)
            String inst = "[INST] " + user + " [/INST]";
            if (answered) {
                String answer = turns.get(i + 1).content();
                parts.add(new ChatPrompt.Part.Text(inst + " " + (llama2 ? TemplateText.strip(answer) + " " : answer)));
                parts.add(new ChatPrompt.Part.Eos());
            } else {
                parts.add(new ChatPrompt.Part.Text(inst));
            }
        }
        return new ChatPrompt(true, parts);
    }

    /** User turn {@code i} of {@code count} messages with the system message where this style puts it. */
    private String withSystem(String system, String user, int i, int count) {
        if (system == null) return user;
        return switch (style) {
            case LLAMA2 -> i == 0 ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + user : user;
            case MISTRAL_V1 -> i == 0 ? system + "\n\n" + user : user;
            // the last message, when it is a user turn (a conversation that ends with a reply has it nowhere, as in the template)
            case MISTRAL_V3 -> i == count - 1 ? system + "\n\n" + user : user;
        };
    }
}
