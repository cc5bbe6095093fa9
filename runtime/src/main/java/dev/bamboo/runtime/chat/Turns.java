package dev.bamboo.runtime.chat;

import dev.bamboo.weights.BambooException;
import java.util.ArrayList;
import java.util.List;

/**
 * A conversation in the shape that user/assistant formats need: an optional system message first, then user and
 * assistant turns alternating, starting with the user.
 */
record Turns(String system, List<Message> turns) {

    static Turns of(List<Message> conversation, String template) {
        String system = null;
        List<Message> turns = new ArrayList<>();
        for (int i = 0; i < conversation.size(); i++) {
            Message m = conversation.get(i);
            if (m.role() == Message.Role.SYSTEM) {
                if (i != 0) {
                    throw new BambooException("the " + template + " chat template takes a system message only at the start of the conversation");
                }
                system = m.content();
                continue;
            }
            Message.Role expected = turns.size() % 2 == 0 ? Message.Role.USER : Message.Role.ASSISTANT;
            if (m.role() != expected) {
                throw new BambooException("the " + template + " chat template needs user and assistant messages to alternate, starting with the user; message "
                        + (i + 1) + " is from the " + m.role().name().toLowerCase(java.util.Locale.ROOT));
            }
            turns.add(m);
        }
        return new Turns(system, turns);
    }
}
