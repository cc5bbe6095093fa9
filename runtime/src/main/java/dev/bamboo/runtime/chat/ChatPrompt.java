package dev.bamboo.runtime.chat;

import dev.bamboo.runtime.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A rendered conversation: text interleaved with special tokens, which plain-text encoding never produces (so "&lt;/s&gt;"
 * between Llama-2 turns must be the EOS id, not the characters).
 *
 * @param addBos whether BOS is prepended (when the tokenizer has one)
 * @param parts  the prompt after the optional BOS
 */
public record ChatPrompt(boolean addBos, List<Part> parts) {

    /** A piece of the prompt. */
    public sealed interface Part {
        /** Plain text, encoded with the tokenizer. */
        record Text(String text) implements Part { }

        /** The tokenizer's BOS token. */
        record Bos() implements Part { }

        /** The tokenizer's EOS token. */
        record Eos() implements Part { }

        /** A marker such as {@code <|im_start|>}: its own token when the vocabulary has it, else encoded as text. */
        record Marker(String piece) implements Part { }
    }

    public ChatPrompt {
        parts = List.copyOf(parts);
    }

    /** The prompt as text, with BOS/EOS written as {@code <s>}/{@code </s>} (for display and tests). */
    public String text() {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Part.Text t -> out.append(t.text());
                case Part.Bos b -> out.append("<s>");
                case Part.Eos e -> out.append("</s>");
                case Part.Marker m -> out.append(m.piece());
            }
        }
        return out.toString();
    }

    /**
     * The token ids of the prompt. Each run of text between special tokens is encoded on its own (with the dummy
     * prefix), as Meta's Llama-2 chat code and Hugging Face's tokenizers (which split the text around special tokens)
     * do; a marker the vocabulary lacks is plain text and joins the run around it. A run that follows a special token
     * with a space (Mistral v3's {@code [INST] user}) has that space stand for the dummy prefix, so it becomes one
     * {@code ▁}, as Mistral's own tokenizer writes it, not two.
     */
    public int[] encode(Tokenizer tokenizer) {
        List<int[]> chunks = new ArrayList<>();
        if (addBos && tokenizer.hasBos()) {
            chunks.add(new int[] {tokenizer.bos()});
        }
        StringBuilder text = new StringBuilder();
        boolean afterSpecial = false; // a special part of the prompt, not its own BOS
        for (Part p : parts) {
            int special = switch (p) {
                case Part.Text t -> -1;
                case Part.Bos b -> tokenizer.bos();
                case Part.Eos e -> tokenizer.eos();
                case Part.Marker m -> tokenizer.pieceId(m.piece());
            };
            if (special < 0) {
                // text, or a marker the vocabulary lacks (bos() and eos() fail with a message rather than return -1)
                text.append(p instanceof Part.Marker m ? m.piece() : ((Part.Text) p).text());
                continue;
            }
            if (!text.isEmpty()) chunks.add(encodeRun(tokenizer, text.toString(), afterSpecial));
            text.setLength(0);
            chunks.add(new int[] {special});
            afterSpecial = true;
        }
        if (!text.isEmpty()) chunks.add(encodeRun(tokenizer, text.toString(), afterSpecial));
        int n = chunks.stream().mapToInt(c -> c.length).sum();
        int[] ids = new int[n];
        int at = 0;
        for (int[] c : chunks) {
            System.arraycopy(c, 0, ids, at, c.length);
            at += c.length;
        }
        return ids;
    }

    private static int[] encodeRun(Tokenizer tokenizer, String run, boolean afterSpecial) {
        boolean spaceIsPrefix = afterSpecial && run.startsWith(" ") && tokenizer.addsDummyPrefix();
        return tokenizer.encode(spaceIsPrefix ? run.substring(1) : run);
    }
}
