package dev.bamboo.runtime.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * The Vicuna formats, BOS first (these are Llama models, trained with it) and {@code </s>} as EOS after each answer:
 * <ul>
 *   <li>{@link #FASTCHAT}, Vicuna v1.1 as FastChat trains and serves it: {@code system USER: u ASSISTANT: a</s>USER: u
 *       ASSISTANT:}, with FastChat's default system prompt when the conversation has none;</li>
 *   <li>{@link #LINES}, what the Jinja templates of Vicuna models on Hugging Face write (eachadea/vicuna-13b-1.1; llama.cpp's
 *       {@code vicuna}): {@code system\n\nUSER: u\nASSISTANT: a</s>\nUSER: u\nASSISTANT:}, no default system prompt;</li>
 *   <li>{@link #ORCA}, the same with the system message as a {@code SYSTEM: system\n} line (Orca-Vicuna; llama.cpp's
 *       {@code vicuna-orca}).</li>
 * </ul>
 */
public record VicunaTemplate(Style style) implements ChatTemplate {
    /** The formats, each with the name users give {@code --chat-template}. */
    public enum Style {
        FASTCHAT("vicuna"), LINES("vicuna-lines"), ORCA("vicuna-orca");

        private final String name;

        Style(String name) {
            this.name = name;
        }
    }

    public static final VicunaTemplate FASTCHAT = new VicunaTemplate(Style.FASTCHAT);
    public static final VicunaTemplate LINES = new VicunaTemplate(Style.LINES);
    public static final VicunaTemplate ORCA = new VicunaTemplate(Style.ORCA);

    static final String DEFAULT_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    @Override
    public String name() {
        return style.name;
    }

    @Override
    public ChatPrompt render(List<Message> conversation, boolean addGenerationPrompt) {
        Turns t = Turns.of(conversation, name());
        boolean fastChat = style == Style.FASTCHAT;
        // what follows a message: FastChat runs them on with spaces, the others put each on its own line
        String after = fastChat ? " " : "\n";
        StringBuilder text = new StringBuilder();
        if (fastChat) text.append(t.system() != null ? t.system() : DEFAULT_SYSTEM).append(' ');
        else if (t.system() != null) text.append(style == Style.ORCA ? "SYSTEM: " + t.system() + "\n" : t.system() + "\n\n");
        List<ChatPrompt.Part> parts = new ArrayList<>();
        for (Message m : t.turns()) {
            if (m.role() == Message.Role.USER) {
                text.append("USER: ").append(m.content()).append(after);
            } else {
                text.append("ASSISTANT: ").append(m.content());
                parts.add(new ChatPrompt.Part.Text(text.toString()));
                parts.add(new ChatPrompt.Part.Eos());
                text.setLength(0);
                if (!fastChat) text.append('\n');
            }
        }
        if (addGenerationPrompt) text.append("ASSISTANT:");
        if (!text.isEmpty()) parts.add(new ChatPrompt.Part.Text(text.toString()));
        return new ChatPrompt(true, parts);
    }
}
