package dev.bamboo.runtime.chat;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.model.Model;
import dev.bamboo.runtime.model.TextGenerator;
import dev.bamboo.runtime.sampling.SamplingOptions;
import dev.bamboo.weights.BambooException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conversations on the demo model, greedy: the KV cache kept between turns, and a conversation longer than the context. */
class ChatSessionTest {
    private static final GenerationOptions GREEDY = new GenerationOptions(12, SamplingOptions.greedy(), true, true);
    private static final ChatTemplate CHATML = ChatTemplates.byName("chatml");
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestData.model("bamboo-demo"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static TextGenerator generator(int context) {
        return model.textGenerator(EngineOptions.defaults().withThreads(2).withContextLength(context));
    }

    private static ChatReply send(ChatSession chat, String text) {
        return chat.send(text, GREEDY, () -> false, t -> {});
    }

    @Test
    void aLaterTurnRepliesAsTheWholeConversationRunFromScratch() {
        String second;
        List<Message> conversation;
        try (TextGenerator gen = generator(512)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, "Be brief.");
            String first = send(chat, "What does the license permit?").text();
            second = send(chat, "And what must be kept?").text();
            conversation = List.of(Message.system("Be brief."), Message.user("What does the license permit?"),
                    Message.assistant(first.strip()), Message.user("And what must be kept?"));
        }
        try (TextGenerator fresh = generator(512)) {
            int[] ids = CHATML.render(conversation, true).encode(model.tokenizer());
            StringBuilder text = new StringBuilder();
            fresh.generate(ids, GREEDY, () -> false, text::append);
            assertEquals(text.toString(), second, "the second reply, from the cached first turn and from the whole conversation");
        }
    }

    /**
     * The reply to "And what must be kept?" after a first exchange, with {@code between} done to the chat in between
     * (a cancelled message, or nothing).
     */
    private static String secondReply(Consumer<ChatSession> between) {
        try (TextGenerator gen = generator(512)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, "Be brief.");
            assertTrue(send(chat, "What does the license permit?").sent());
            between.accept(chat);
            return send(chat, "And what must be kept?").text();
        }
    }

    private static void assertNotSent(ChatReply cancelled) {
        assertEquals(GenerationStats.StopReason.CANCELLED, cancelled.stats().stopReason());
        assertEquals("", cancelled.text());
        assertFalse(cancelled.sent());
    }

    /** A message cancelled before anything ran is not sent: the conversation goes on as if it had never been typed. */
    @Test
    void aMessageCancelledBeforeItRunsIsNotSent() {
        String withCancel = secondReply(chat -> assertNotSent(chat.send("Never mind.", GREEDY, () -> true, t -> {})));
        assertEquals(secondReply(chat -> {}), withCancel);
    }

    /**
     * A message cancelled within its prompt (after one batch of a long message) is not sent either, and the next one
     * replies as if it had never been typed, though the cache kept what ran.
     */
    @Test
    void aMessageCancelledWithinItsPromptIsNotSent() {
        String longMessage = "Tell me, in order, everything the license says about copies, notices, warranties, "
                + "sublicensing, the software, the authors, the copyright holders, and what happens when one of them is sued.";
        String withCancel = secondReply(chat -> {
            AtomicInteger polls = new AtomicInteger();
            ChatReply cancelled = chat.send(longMessage, GREEDY, () -> polls.incrementAndGet() >= 3, t -> {});
            assertNotSent(cancelled);
            assertEquals(32, cancelled.stats().promptTokens(), "one batch of the message ran");
        });
        assertEquals(secondReply(chat -> {}), withCancel);
    }

    @Test
    void forgetsTheOldestExchangesWhenTheConversationOutgrowsTheContext() {
        try (TextGenerator gen = generator(96)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, "Be brief.");
            int forgotten = 0;
            for (int turn = 0; turn < 8; turn++) {
                ChatReply reply = send(chat, "Tell me about the software, part " + turn + ".");
                assertFalse(reply.text().isBlank(), "turn " + turn + " got a reply");
                assertEquals(0, reply.forgottenMessages() % 2, "whole exchanges are forgotten: " + reply.forgottenMessages());
                forgotten += reply.forgottenMessages();
            }
            assertTrue(forgotten > 0, "eight turns of ~30 tokens fill a 96-token context");
        }
    }

    @Test
    void forgettingLeavesTheReplyItsRoom() {
        // several context sizes, so that some turn's prompt fits with fewer free positions than a reply needs
        for (int context = 56; context <= 104; context += 8) {
            try (TextGenerator gen = generator(context)) {
                ChatSession chat = new ChatSession(model, gen, CHATML, null);
                for (String message : new String[] {"hi", "yo", "ok", "go on", "and then?"}) {
                    ChatReply reply = send(chat, message);
                    assertEquals(GREEDY.maxTokens(), reply.stats().generatedTokens(),
                            "-c " + context + ", '" + message + "': a whole reply, not one cut by the context");
                }
            }
        }
    }

    /**
     * The generator is the caller's: other text run on it between two turns (sharing the chat's system prefix, or after
     * a reset) must not leak into the next reply, which equals that of a chat nobody disturbed.
     */
    @Test
    void otherUseOfTheGeneratorBetweenTurnsDoesNotChangeTheReply() {
        String expected;
        try (TextGenerator gen = generator(256)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, "Be brief.");
            send(chat, "Permission is hereby granted");
            expected = send(chat, "What about it?").text();
        }
        try (TextGenerator gen = generator(256)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, "Be brief.");
            send(chat, "Permission is hereby granted");
            gen.generate("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nTHE SOFTWARE IS PROVIDED AS IS", GREEDY, t -> {});
            assertEquals(expected, send(chat, "What about it?").text());
        }
        try (TextGenerator gen = generator(256)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, "Be brief.");
            send(chat, "Permission is hereby granted");
            gen.engine().session().reset();
            assertEquals(expected, send(chat, "What about it?").text());
        }
    }

    @Test
    void aSystemPromptThatFillsTheContextIsRefusedOnce() {
        try (TextGenerator gen = generator(64)) {
            BambooException e = assertThrows(BambooException.class, () -> new ChatSession(model, gen, CHATML, "be brief ".repeat(40)));
            assertTrue(e.getMessage().contains("system prompt") && e.getMessage().contains("--system"), e.getMessage());
        }
    }

    /** Without a system prompt, a context too small for any exchange is refused up front, not message after message. */
    @Test
    void aContextTooSmallForAnyExchangeIsRefusedUpFront() {
        try (TextGenerator gen = generator(16)) {
            BambooException e = assertThrows(BambooException.class, () -> new ChatSession(model, gen, CHATML, null));
            assertTrue(e.getMessage().startsWith("an empty message and a one-token reply come to") && e.getMessage().contains("use a larger -c"), e.getMessage());
        }
    }

    @Test
    void refusesAMessageLongerThanTheContextAndGoesOn() {
        try (TextGenerator gen = generator(64)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, null);
            MessageTooLongException e = assertThrows(MessageTooLongException.class, () -> send(chat, "word ".repeat(100)));
            assertTrue(e.getMessage().contains("context holds 64") && e.getMessage().contains("-c"), e.getMessage());
            ChatReply reply = send(chat, "Hello");
            assertFalse(reply.text().isBlank());
            assertEquals(0, reply.forgottenMessages(), "the refused message left nothing to forget");
        }
    }

    @Test
    void aReplyThatFillsTheContextSaysSo() {
        try (TextGenerator gen = generator(40)) {
            ChatSession chat = new ChatSession(model, gen, CHATML, null);
            GenerationOptions untilFull = new GenerationOptions(-1, SamplingOptions.greedy(), true, true);
            ChatReply reply = chat.send("Hello", untilFull, () -> false, t -> {});
            assertEquals(GenerationStats.StopReason.CONTEXT_FULL, reply.stats().stopReason());
        }
    }
}
