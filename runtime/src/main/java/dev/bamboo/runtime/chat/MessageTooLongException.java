package dev.bamboo.runtime.chat;

import dev.bamboo.weights.BambooException;

/** A chat message that does not fit the context even with every earlier exchange forgotten; the chat can go on. */
public final class MessageTooLongException extends BambooException {
    public MessageTooLongException(String message) {
        super(message);
    }
}
