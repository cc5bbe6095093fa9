package dev.bamboo.runtime.tokenizer;

import java.util.Map;

/** Which adjacent symbols BPE may merge, and how urgently (higher priority merges first). */
sealed interface MergeRule {

    /** A possible merge: the id of the merged piece and its priority. */
    record Merge(int id, float priority) { }

    /**
     * The merge of the symbols {@code text[start, mid)} (id {@code leftId}) and {@code text[mid, end)}
     * ({@code rightId}); ids are -1 for symbols outside the vocabulary. Null if they do not merge.
     */
    Merge find(String text, int start, int mid, int end, int leftId, int rightId);

    /**
     * SentencePiece BPE: two symbols merge if their concatenation is a piece that text can produce; the piece's score is
     * the priority. Control pieces are not among them, so "&lt;s&gt;" in text never becomes BOS.
     */
    record ByScore(Vocabulary vocabulary) implements MergeRule {
        @Override
        public Merge find(String text, int start, int mid, int end, int leftId, int rightId) {
            int id = vocabulary.textPieceId(text.substring(start, end));
            return id < 0 ? null : new Merge(id, vocabulary.score(id));
        }
    }

    /**
     * Hugging Face BPE: only listed pairs merge, the earlier in the merges list the sooner.
     *
     * @param ranks (leftId &lt;&lt; 32 | rightId) to the merge's index in the list and the merged id, packed as rank &lt;&lt; 32 | id
     */
    record ByRank(Map<Long, Long> ranks) implements MergeRule {
        static long key(int leftId, int rightId) {
            return ((long) leftId << 32) | (rightId & 0xFFFFFFFFL);
        }

        @Override
        public Merge find(String text, int start, int mid, int end, int leftId, int rightId) {
            if (leftId < 0 || rightId < 0) {
                return null;
            }
            Long packed = ranks.get(key(leftId, rightId));
            return packed == null ? null : new Merge((int) (long) packed, -(float) (packed >>> 32));
        }
    }
}
