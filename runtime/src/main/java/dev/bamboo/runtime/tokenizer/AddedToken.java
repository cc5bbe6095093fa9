package dev.bamboo.runtime.tokenizer;

/**
 * A token a Hugging Face model folder adds to its SentencePiece {@code tokenizer.model} ({@code tokenizer_config.json}'s
 * {@code added_tokens_decoder}, or {@code added_tokens.json}): ChatML fine-tunes add {@code <|im_start|>} and
 * {@code <|im_end|>} past the model's 32000 pieces this way.
 *
 * @param special a control token (never produced from text, not shown when decoded), else a user-defined piece
 */
record AddedToken(int id, String content, boolean special) {
}
