package dev.bamboo.runtime.chat;

import dev.bamboo.runtime.generate.GenerationStats;

/**
 * What one turn of a {@link ChatSession} produced.
 *
 * @param text              the assistant's reply as streamed
 * @param stats             its timings and why it stopped ({@link GenerationStats.StopReason#CONTEXT_FULL}: the reply
 *                          filled the context)
 * @param forgottenMessages the oldest messages dropped before this turn so that the conversation fits the context
 * @param sent              false when the turn was cancelled before the message had run: the conversation is as it
 *                          was before it
 */
public record ChatReply(String text, GenerationStats stats, int forgottenMessages, boolean sent) {}
