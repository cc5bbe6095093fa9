package dev.bamboo.runtime.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * BPE over normalized text the way SentencePiece does it: start from characters (user-defined pieces whole), repeatedly
 * merge the adjacent pair of highest priority (leftmost on ties) using a priority queue of candidate pairs, map the
 * final symbols to ids, re-split UNUSED pieces, and spell pieces outside the vocabulary as byte pieces (or UNK).
 * O(n log n) in the text length.
 */
final class BpeEncoder {
    private final Vocabulary vocabulary;
    private final MergeRule rule;
    private final boolean byteFallback;
    /** A run of characters the vocabulary cannot spell becomes one unknown token, not one per character. */
    private final boolean fuseUnknown;

    /** User-defined pieces by their first char, longest first. */
    private final Map<Character, List<String>> userDefined = new HashMap<>();

    BpeEncoder(Vocabulary vocabulary, MergeRule rule, boolean byteFallback, boolean fuseUnknown) {
        this.vocabulary = vocabulary;
        this.rule = rule;
        this.byteFallback = byteFallback;
        this.fuseUnknown = fuseUnknown;
        for (String p : vocabulary.userDefinedPieces()) {
            userDefined.computeIfAbsent(p.charAt(0), k -> new ArrayList<>()).add(p);
        }
        userDefined.values().forEach(l -> l.sort(Comparator.comparingInt(String::length).reversed()));
    }

    /** A candidate merge of symbol {@code left} with symbol {@code right}, valid while their combined length is {@code length}. */
    private record Candidate(int left, int right, int length, int id, float priority) { }

    private static final Comparator<Candidate> ORDER = Comparator
            .comparingDouble((Candidate c) -> -c.priority)
            .thenComparingInt(c -> c.left);

    /** Appends the ids of normalized text to {@code out}. */
    void encode(String text, IntList out) {
        if (text.isEmpty()) {
            return;
        }
        // Symbols are contiguous ranges [start, end) of the text, chained by prev/next; a merged-away symbol has end == start.
        int cap = text.length();
        int[] start = new int[cap];
        int[] end = new int[cap];
        int[] id = new int[cap];
        boolean[] frozen = new boolean[cap];
        int n = 0;
        for (int pos = 0; pos < text.length(); ) {
            int len = userDefinedMatch(text, pos);
            boolean isUserDefined = len > 0;
            if (!isUserDefined) {
                len = Character.charCount(text.codePointAt(pos));
            }
            start[n] = pos;
            end[n] = pos + len;
            id[n] = vocabulary.textPieceId(text.substring(pos, pos + len));
            frozen[n] = isUserDefined;
            n++;
            pos += len;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(Math.max(1, n), ORDER);
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, text, i, i + 1, start, end, id, frozen);
        }
        Map<Long, Integer> unusedSplits = new HashMap<>();
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.left;
            int r = c.right;
            if (end[l] == start[l] || end[r] == start[r] || next[l] != r || end[r] - start[l] != c.length) {
                continue; // stale: one side has merged with something else since
            }
            if (vocabulary.type(c.id) == TokenType.UNUSED) {
                unusedSplits.put(rangeKey(start[l], end[r]), end[l]);
            }
            end[l] = end[r];
            id[l] = c.id;
            end[r] = start[r];
            next[l] = next[r];
            if (next[r] >= 0) {
                prev[next[r]] = l;
            }
            if (prev[l] >= 0) {
                offer(queue, text, prev[l], l, start, end, id, frozen);
            }
            if (next[l] >= 0) {
                offer(queue, text, l, next[l], start, end, id, frozen);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            emit(text, start[i], end[i], id[i], unusedSplits, out);
        }
    }

    private void offer(PriorityQueue<Candidate> queue, String text, int l, int r,
                       int[] start, int[] end, int[] id, boolean[] frozen) {
        if (frozen[l] || frozen[r]) {
            return;
        }
        MergeRule.Merge m = rule.find(text, start[l], end[l], end[r], id[l], id[r]);
        if (m != null) {
            queue.add(new Candidate(l, r, end[r] - start[l], m.id(), m.priority()));
        }
    }

    private static long rangeKey(int start, int end) {
        return ((long) start << 32) | end;
    }

    /** Emits one final symbol: UNUSED pieces are split back into the pieces they were merged from, as SentencePiece does. */
    private void emit(String text, int start, int end, int id, Map<Long, Integer> unusedSplits, IntList out) {
        if (id >= 0 && vocabulary.type(id) == TokenType.UNUSED) {
            Integer mid = unusedSplits.get(rangeKey(start, end));
            if (mid != null) {
                emit(text, start, mid, vocabulary.textPieceId(text.substring(start, mid)), unusedSplits, out);
                emit(text, mid, end, vocabulary.textPieceId(text.substring(mid, end)), unusedSplits, out);
                return;
            }
        }
        if (id >= 0) {
            out.add(id);
            return;
        }
        if (byteFallback) {
            byte[] bytes = Utf8.encode(text.substring(start, end));
            List<Integer> ids = new ArrayList<>(bytes.length);
            for (byte b : bytes) {
                int byteId = vocabulary.byteId(b & 0xFF);
                if (byteId < 0) {
                    ids = null;
                    break;
                }
                ids.add(byteId);
            }
            if (ids != null) {
                ids.forEach(out::add);
                return;
            }
        }
        if (vocabulary.unk() < 0) {
            throw new dev.bamboo.weights.BambooException("text contains '" + text.substring(start, end)
                    + "', which the tokenizer can neither spell nor map to an unknown token: use a tokenizer with byte fallback");
        }
        if (fuseUnknown && out.last(-1) == vocabulary.unk()) return; // the run so far is that unknown token already
        out.add(vocabulary.unk());
    }

    /** Length of the longest user-defined piece at {@code pos}, or 0. */
    private int userDefinedMatch(String text, int pos) {
        List<String> candidates = userDefined.get(text.charAt(pos));
        if (candidates != null) {
            for (String p : candidates) {
                if (text.startsWith(p, pos)) {
                    return p.length();
                }
            }
        }
        return 0;
    }
}
