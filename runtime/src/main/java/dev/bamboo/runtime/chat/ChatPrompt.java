package dev.bamboo.runtime.chat;

import dev.bamboo.runtime.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A rendered conversation: text interleaved with special tokens, which plain-text encoding never produces (so "&lt;/s&gt;"
 * between Llama-2 turns must be the EOS id, not the characters).
 *
 * @param addBos whether BOS is prepended
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
     * The token ids of the prompt. Each text part is encoded on its own (with the dummy prefix), as Meta's Llama-2 chat
     * code and Hugging Face's tokenizers (which split the text around special tokens) do.
     */
    public int[] encode(Tokenizer tokenizer) {
        List<int[]> chunks = new ArrayList<>();
        if (addBos) {
            chunks.add(new int[] {tokenizer.bos()});
        }
        for (Part p : parts) {
            chunks.add(switch (p) {
                case Part.Text t -> tokenizer.encode(t.text());
                case Part.Bos b -> new int[] {tokenizer.bos()};
                case Part.Eos e -> new int[] {tokenizer.eos()};
                case Part.Marker m -> tokenizer.pieceId(m.piece()) >= 0
                        ? new int[] {tokenizer.pieceId(m.piece())} : tokenizer.encode(m.piece());
            });
        }
        int n = chunks.stream().mapToInt(c -> c.length).sum();
        int[] ids = new int[n];
        int at = 0;
        for (int[] c : chunks) {
            System.arraycopy(c, 0, ids, at, c.length);
            at += c.length;
        }
        return ids;
    }
}
