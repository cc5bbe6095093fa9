package dev.bamboo.runtime.model;

import dev.bamboo.runtime.TestData;
import dev.bamboo.runtime.chat.ChatReply;
import dev.bamboo.runtime.chat.ChatSession;
import dev.bamboo.runtime.chat.ChatTemplates;
import dev.bamboo.runtime.engine.Engine;
import dev.bamboo.runtime.engine.EngineOptions;
import dev.bamboo.runtime.ffn.SparsityMode;
import dev.bamboo.runtime.generate.GenerationOptions;
import dev.bamboo.runtime.generate.GenerationStats;
import dev.bamboo.runtime.generate.Generator;
import dev.bamboo.runtime.generate.InferenceSession;
import dev.bamboo.runtime.perplexity.Perplexity;
import dev.bamboo.runtime.sampling.SamplingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's rules for using an engine: one thread at a time, nothing after close, cancelling by flag or interrupt,
 * and a seed that repeats a sampled text. On the demo model.
 */
class EngineUseTest {
    private static final GenerationOptions GREEDY = new GenerationOptions(24, SamplingOptions.greedy(), true, true);
    private static final String PROMPT = "Permission is hereby granted,";
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestData.model("bamboo-demo"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static EngineOptions options(SparsityMode mode) {
        return EngineOptions.defaults().withThreads(2).withContextLength(128).withSparsity(mode);
    }

    private static String generate(TextGenerator gen) {
        StringBuilder text = new StringBuilder();
        gen.generate(PROMPT, GREEDY, text::append);
        return text.toString();
    }

    /**
     * While one thread generates, another thread's generation is refused, and the first one's text and every later
     * text are what the engine gives alone: the refused call touched neither the KV cache nor the sparse FFN's state.
     */
    @ParameterizedTest
    @EnumSource(value = SparsityMode.class, names = {"DENSE", "EXACT", "PREDICTED"})
    void aSecondThreadIsRefusedAndLeavesNoTrace(SparsityMode mode) throws Exception {
        try (TextGenerator gen = model.textGenerator(options(mode))) {
            String alone = generate(gen);
            CountDownLatch generating = new CountDownLatch(1), refused = new CountDownLatch(1);
            StringBuilder first = new StringBuilder();
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> gen.generate(PROMPT, GREEDY, text -> {
                first.append(text);
                generating.countDown();
                await(refused);
            }));
            assertTrue(generating.await(60, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> generate(gen));
            assertTrue(e.getMessage().contains("another thread"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> gen.engine().session().append(new int[] {1, 2}));
            refused.countDown();
            holder.get(60, TimeUnit.SECONDS);
            assertEquals(alone, first.toString());
            assertEquals(alone, generate(gen), "the engine after the refused calls");
        }
    }

    @Test
    void nothingRunsAfterClose() {
        Engine engine = model.engine(options(SparsityMode.AUTO));
        engine.session().append(new int[] {1, 5});
        engine.close();
        engine.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.session().append(new int[] {1}));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, engine::tokens);

        Model other = Model.load(TestData.model("bamboo-demo"));
        Engine orphan = other.engine(options(SparsityMode.AUTO));
        other.close();
        e = assertThrows(IllegalStateException.class, () -> orphan.session().append(new int[] {1}));
        assertTrue(e.getMessage().contains("model"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> other.engine(options(SparsityMode.AUTO)));
        orphan.close();
    }

    /**
     * Closing from another thread mid-generation ends the generation at its next step, and close waits for that: the
     * model can be closed right after, and the generation fails with the engine's own message, not with freed memory.
     */
    @Test
    void closingDuringAGenerationStopsItFirst() throws Exception {
        Model own = Model.load(TestData.model("bamboo-demo"));
        TextGenerator gen = own.textGenerator(options(SparsityMode.AUTO));
        CountDownLatch generating = new CountDownLatch(1);
        AtomicInteger pieces = new AtomicInteger();
        CompletableFuture<GenerationStats> run = CompletableFuture.supplyAsync(() -> gen.generate(PROMPT,
                new GenerationOptions(100, SamplingOptions.greedy(), true, true), text -> {
                    pieces.incrementAndGet();
                    generating.countDown();
                    sleep(20); // slow enough that the close comes mid-text
                }));
        assertTrue(generating.await(60, TimeUnit.SECONDS));
        gen.close();
        own.close();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> run.get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getMessage().contains("engine is closed"), e.getCause().toString());
        assertTrue(pieces.get() < 50, pieces.get() + " pieces");
    }

    /**
     * Closing the model while one of its engines generates on another thread closes that engine first: the generation
     * stops at its next step with the model's message, not with the JDK's "Already closed" from freed weights.
     */
    @Test
    void closingTheModelDuringAGenerationStopsItFirst() throws Exception {
        Model own = Model.load(TestData.model("bamboo-demo"));
        TextGenerator gen = own.textGenerator(options(SparsityMode.AUTO));
        CountDownLatch generating = new CountDownLatch(1);
        CompletableFuture<GenerationStats> run = CompletableFuture.supplyAsync(() -> gen.generate(PROMPT,
                new GenerationOptions(1000, SamplingOptions.greedy(), true, true), text -> generating.countDown()));
        assertTrue(generating.await(60, TimeUnit.SECONDS));
        sleep(50); // within a forward pass, most likely: the weights are in use as they would be freed
        own.close();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> run.get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException && e.getCause().getMessage().contains("the model of this engine is closed"), e.getCause().toString());
        gen.close();
    }

    /**
     * Whatever a callback starts on the same engine (a text, a chat message, a perplexity, a bare generation, an append
     * or a rewind) is refused, from a text's callback as from a bare generation's token sink, and the outer text goes on
     * unharmed; reading the engine's tokens stays open.
     */
    @Test
    void aGenerationFromItsOwnCallbackIsRefused() {
        try (TextGenerator gen = model.textGenerator(options(SparsityMode.AUTO))) {
            String alone = generate(gen);
            InferenceSession session = gen.engine().session();
            int[] ids = model.promptIds(PROMPT, true);
            ChatSession chat = new ChatSession(model, gen, ChatTemplates.byName("chatml"), null);
            List<Runnable> nested = List.of(
                    () -> gen.generate("Hello", GREEDY, t -> {}),
                    () -> chat.send("Hello", GREEDY, () -> false, t -> {}),
                    () -> Perplexity.measure(session, ids, 4, 1, OptionalInt.empty(), () -> false, r -> {}),
                    () -> new Generator(session).generate(ids, GREEDY, model.stopTokens(), () -> false, t -> true),
                    () -> session.append(new int[] {1, 2}),
                    () -> session.rewind(1));
            AtomicInteger refused = new AtomicInteger();
            Runnable tryAll = () -> {
                for (Runnable r : nested) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, r::run);
                    assertTrue(e.getMessage().contains("callback"), e.getMessage());
                    refused.incrementAndGet();
                }
                assertEquals(session.position(), gen.engine().tokens().length);
            };
            StringBuilder outer = new StringBuilder();
            gen.generate(PROMPT, GREEDY, text -> {
                outer.append(text);
                tryAll.run();
            });
            assertTrue(refused.get() >= nested.size());
            assertEquals(alone, outer.toString());

            session.reset();
            List<Integer> bare = new ArrayList<>(), bareNested = new ArrayList<>();
            new Generator(session).generate(ids, GREEDY, model.stopTokens(), () -> false, t -> bare.add(t));
            session.reset();
            new Generator(session).generate(ids, GREEDY, model.stopTokens(), () -> false, t -> {
                tryAll.run();
                return bareNested.add(t);
            });
            assertEquals(bare, bareNested, "a bare generation's ids, with every nested call refused from its sink");
            assertEquals(0, chat.messages().size(), "the refused chat messages left no trace");
        }
    }

    /** A chat message refused because another thread holds the engine leaves the conversation as it was. */
    @Test
    void aRefusedChatMessageLeavesTheConversation() throws Exception {
        try (TextGenerator gen = model.textGenerator(options(SparsityMode.AUTO));
             TextGenerator other = model.textGenerator(options(SparsityMode.AUTO))) {
            ChatSession chat = new ChatSession(model, gen, ChatTemplates.byName("chatml"), null);
            CountDownLatch generating = new CountDownLatch(1), refused = new CountDownLatch(1);
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> gen.generate(PROMPT, GREEDY, text -> {
                generating.countDown();
                await(refused);
            }));
            assertTrue(generating.await(60, TimeUnit.SECONDS));
            assertThrows(IllegalStateException.class, () -> chat.send("first message", GREEDY, () -> false, t -> {}));
            refused.countDown();
            holder.get(60, TimeUnit.SECONDS);
            ChatReply second = chat.send("second message", GREEDY, () -> false, t -> {});
            ChatReply fresh = new ChatSession(model, other, ChatTemplates.byName("chatml"), null).send("second message", GREEDY, () -> false, t -> {});
            assertEquals(fresh.text(), second.text());
            assertEquals(2, chat.messages().size());
        }
    }

    /** Closing from the generation's own callback ends it at its next step too. */
    @Test
    void closingFromTheCallbackStopsTheGeneration() {
        TextGenerator gen = model.textGenerator(options(SparsityMode.AUTO));
        AtomicInteger pieces = new AtomicInteger();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> gen.generate(PROMPT, GREEDY, text -> {
            if (pieces.incrementAndGet() == 1) gen.close();
        }));
        assertTrue(e.getMessage().contains("engine is closed"), e.getMessage());
        assertEquals(1, pieces.get());
        assertThrows(IllegalStateException.class, () -> gen.engine().session().append(new int[] {1}));
    }

    @Test
    void aCancelledFlagOrAnInterruptStopsBeforeAnyToken() {
        try (TextGenerator gen = model.textGenerator(options(SparsityMode.AUTO))) {
            StringBuilder text = new StringBuilder();
            GenerationStats s = gen.generate(PROMPT, GREEDY, () -> true, text::append);
            assertEquals(GenerationStats.StopReason.CANCELLED, s.stopReason());
            assertEquals(0, s.promptTokens());
            assertEquals("", text.toString());
            assertEquals(0, gen.engine().session().position(), "nothing was run");

            Thread.currentThread().interrupt();
            try {
                s = gen.generate(PROMPT, GREEDY, text::append);
                assertEquals(GenerationStats.StopReason.CANCELLED, s.stopReason());
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt stays set");
            } finally {
                Thread.interrupted();
            }
            int[] ids = model.promptIds(PROMPT, true);
            AtomicInteger tokens = new AtomicInteger();
            s = gen.generate(PROMPT, GREEDY, () -> tokens.get() >= 3, piece -> tokens.incrementAndGet());
            assertEquals(GenerationStats.StopReason.CANCELLED, s.stopReason());
            assertEquals(ids.length, s.promptTokens());
            assertEquals(3, s.generatedTokens());
        }
    }

    /**
     * A prompt longer than one batch stops between batches once cancelled (Ctrl-C during a long prompt), keeping the
     * batches that ran: going on from there gives the logits of the whole prompt run at once, bitwise.
     */
    @Test
    void aLongPromptIsCancelledBetweenItsBatches() {
        int[] ids = new int[80];
        for (int i = 0; i < ids.length; i++) ids[i] = 10 + 7 * i;
        float[] whole;
        try (Engine engine = model.engine(options(SparsityMode.AUTO))) {
            whole = engine.session().append(ids).clone();
        }
        try (TextGenerator gen = model.textGenerator(options(SparsityMode.AUTO))) {
            AtomicInteger polls = new AtomicInteger();
            // poll 1: before the prompt; 2: before its first batch; 3: before its second
            GenerationStats s = gen.generate(ids, GREEDY, () -> polls.incrementAndGet() >= 3, text -> {});
            assertEquals(GenerationStats.StopReason.CANCELLED, s.stopReason());
            assertEquals(32, s.promptTokens(), "the first batch of 32 ran");
            assertEquals(0, s.generatedTokens());
            InferenceSession session = gen.engine().session();
            assertEquals(32, session.position());
            assertArrayEquals(Arrays.copyOf(ids, 32), gen.engine().tokens(), "the cache holds what ran");
            assertArrayEquals(whole, session.append(Arrays.copyOfRange(ids, 32, ids.length)));
            assertArrayEquals(ids, gen.engine().tokens());
            session.rewind(3);
            session.append(new int[] {99, 98});
            session.append(97);
            assertArrayEquals(new int[] {ids[0], ids[1], ids[2], 99, 98, 97}, gen.engine().tokens());
        }
    }

    /** A refused append (a bad id after more than one prompt batch of good ones) leaves the sequence where it was. */
    @ParameterizedTest
    @EnumSource(value = SparsityMode.class, names = {"DENSE", "EXACT", "PREDICTED"})
    void aRefusedAppendAppendsNothing(SparsityMode mode) {
        try (Engine engine = model.engine(options(mode))) {
            InferenceSession session = engine.session();
            session.append(new int[] {1, 5, 6});
            int[] bad = new int[71];
            for (int i = 0; i < 70; i++) bad[i] = 10 + i;
            bad[70] = 1_000_000;
            dev.bamboo.weights.BambooException e = assertThrows(dev.bamboo.weights.BambooException.class, () -> session.append(bad));
            assertTrue(e.getMessage().contains("outside the model's vocabulary"), e.getMessage());
            assertEquals(3, session.position());
            assertThrows(dev.bamboo.weights.BambooException.class, () -> session.appendAllLogits(bad));
            assertEquals(3, session.position());
        }
    }

    /** A random seed (-1) is drawn once and reported: passing it back repeats the text. */
    @Test
    void theDrawnSeedRepeatsTheText() {
        SamplingOptions hot = new SamplingOptions(1.5f, 0, 1f, 0f, 1f, 64, -1);
        try (TextGenerator gen = model.textGenerator(options(SparsityMode.AUTO))) {
            StringBuilder first = new StringBuilder(), again = new StringBuilder();
            GenerationStats s = gen.generate(PROMPT, new GenerationOptions(24, hot, true, true), first::append);
            assertNotEquals(-1, s.seed());
            gen.generate(PROMPT, new GenerationOptions(24, hot.withSeed(s.seed()), true, true), again::append);
            assertEquals(first.toString(), again.toString());
            StringBuilder other = new StringBuilder();
            gen.generate(PROMPT, new GenerationOptions(24, hot.withSeed(s.seed() + 1), true, true), other::append);
            assertNotEquals(first.toString(), other.toString(), "the seed decides the text");
        }
    }

    /**
     * A limit far past the context costs nothing: the text stops where the context is full (the history was once sized
     * by the limit, an 8 GB array for this one).
     */
    @Test
    void aHugeTokenLimitStopsAtTheContext() {
        try (Engine engine = model.engine(options(SparsityMode.AUTO).withContextLength(32))) {
            InferenceSession session = engine.session();
            GenerationStats s = new dev.bamboo.runtime.generate.Generator(session).generate(model.promptIds(PROMPT, true),
                    new GenerationOptions(Integer.MAX_VALUE - 64, SamplingOptions.greedy(), true, true), model.stopTokens(), () -> false, id -> true);
            assertEquals(GenerationStats.StopReason.CONTEXT_FULL, s.stopReason());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
