package dev.bamboo.runtime.tokenizer;

import dev.bamboo.weights.BambooException;
import dev.bamboo.weights.io.BoundedRead;
import dev.bamboo.weights.io.IoErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a SentencePiece {@code tokenizer.model} (a serialized {@code ModelProto}) without a protobuf library.
 * Supports what Llama and Mistral use: BPE, identity normalization, byte fallback.
 */
final class SentencePieceModelReader {
    private static final int MODEL_TYPE_BPE = 2;

    /** The parts of the ModelProto that tokenization needs. */
    record Model(List<String> pieces, List<Float> scores, List<TokenType> types, int modelType, boolean byteFallback,
                 int unkId, int bosId, int eosId, boolean treatWhitespaceAsSuffix, String normalizerName,
                 int charsmapLength, boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    }

    private SentencePieceModelReader() {
    }

    static Tokenizer read(Path file, boolean addBos) {
        return toTokenizer(file, parse(file), addBos, List.of());
    }

    /** The model with the tokens a Hugging Face folder adds past its pieces (those at existing ids are the model's own). */
    static Tokenizer read(Path file, boolean addBos, List<AddedToken> added) {
        return toTokenizer(file, parse(file), addBos, added);
    }

    /** Files larger than this are not read: they cannot be a SentencePiece model. */
    static final int MAX_FILE = 64 << 20;

    /** Parses the file; a BambooException naming the file if it is missing or not a SentencePiece model. */
    static Model parse(Path file) {
        byte[] bytes;
        try {
            bytes = BoundedRead.bytes(file, MAX_FILE);
        } catch (BoundedRead.TooLargeException e) {
            throw new BambooException(file + " is not a SentencePiece model: it holds more than " + BoundedRead.mib(e.limit())
                    + ", where models of even 256k pieces take a few MiB; use the tokenizer.model that came with the model");
        } catch (IOException e) {
            throw new BambooException(file + ": cannot read it (" + IoErrors.reason(e) + "); check that it is a readable file", e);
        }
        try {
            return parse(bytes);
        } catch (ProtoReader.MalformedException e) {
            throw new BambooException(file + " is not a valid SentencePiece model (" + e.getMessage()
                    + "): the file is corrupt or truncated, download it again");
        }
    }

    static Model parse(byte[] bytes) throws ProtoReader.MalformedException {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<TokenType> types = new ArrayList<>();
        // proto2 defaults of TrainerSpec and NormalizerSpec
        int modelType = 1;
        boolean byteFallback = false;
        boolean suffix = false;
        int unk = 0;
        int bos = 1;
        int eos = 2;
        String normalizerName = "";
        int charsmap = 0;
        boolean dummyPrefix = true;
        boolean removeExtra = true;
        boolean escape = true;
        boolean sawTrainer = false;
        boolean sawNormalizer = false;
        ProtoReader model = new ProtoReader(bytes);
        while (model.next()) {
            switch (model.field()) {
                case 1 -> readPiece(model.message(), pieces, scores, types);
                case 2 -> {
                    sawTrainer = true;
                    ProtoReader t = model.message();
                    while (t.next()) {
                        switch (t.field()) {
                            case 3 -> modelType = (int) t.varint();
                            case 24 -> suffix = t.bool();
                            case 35 -> byteFallback = t.bool();
                            case 40 -> unk = (int) t.varint();
                            case 41 -> bos = (int) t.varint();
                            case 42 -> eos = (int) t.varint();
                            default -> t.skip();
                        }
                    }
                }
                case 3 -> {
                    sawNormalizer = true;
                    ProtoReader n = model.message();
                    while (n.next()) {
                        switch (n.field()) {
                            case 1 -> normalizerName = n.string();
                            case 2 -> charsmap = n.bytesLength();
                            case 3 -> dummyPrefix = n.bool();
                            case 4 -> removeExtra = n.bool();
                            case 5 -> escape = n.bool();
                            default -> n.skip();
                        }
                    }
                }
                default -> model.skip();
            }
        }
        if (pieces.isEmpty() || !sawTrainer || !sawNormalizer) {
            throw new ProtoReader.MalformedException("it has " + pieces.size() + " pieces"
                    + (sawTrainer ? "" : ", no trainer spec") + (sawNormalizer ? "" : ", no normalizer spec"));
        }
        return new Model(pieces, scores, types, modelType, byteFallback, unk, bos, eos, suffix, normalizerName,
                charsmap, dummyPrefix, removeExtra, escape);
    }

    private static void readPiece(ProtoReader r, List<String> pieces, List<Float> scores, List<TokenType> types)
            throws ProtoReader.MalformedException {
        String piece = null;
        float score = 0;
        int type = TokenType.NORMAL.code();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> piece = r.string();
                case 2 -> score = r.fixed32Float();
                case 3 -> type = (int) r.varint();
                default -> r.skip();
            }
        }
        if (piece == null) {
            throw new ProtoReader.MalformedException("piece " + pieces.size() + " has no text");
        }
        if (type < 1 || type > 6) {
            throw new ProtoReader.MalformedException("piece " + pieces.size() + " has unknown type " + type);
        }
        pieces.add(piece);
        scores.add(score);
        types.add(TokenType.ofCode(type));
    }

    static Tokenizer toTokenizer(Path file, Model m, boolean addBos, List<AddedToken> added) {
        if (m.modelType() != MODEL_TYPE_BPE) {
            throw new BambooException(file + " is a SentencePiece " + (m.modelType() == 1 ? "unigram" : "type-" + m.modelType())
                    + " model; only BPE models (Llama, Mistral) are supported");
        }
        if (m.charsmapLength() > 0) {
            throw new BambooException(file + " uses the SentencePiece normalization '" + m.normalizerName()
                    + "'; only identity normalization (Llama, Mistral) is supported");
        }
        if (m.treatWhitespaceAsSuffix()) {
            throw new BambooException(file + " treats whitespace as a suffix; only prefix whitespace (Llama, Mistral) is supported");
        }
        List<String> pieces = new ArrayList<>(m.pieces());
        List<TokenType> types = new ArrayList<>(m.types());
        int own = pieces.size();
        for (AddedToken t : added) {
            if (t.id() < own) continue;
            // ids left out between added tokens (none in real folders) become control pieces that nothing produces or shows
            while (pieces.size() <= t.id()) {
                pieces.add("<added_" + pieces.size() + ">");
                types.add(TokenType.CONTROL);
            }
            pieces.set(t.id(), t.content());
            types.set(t.id(), t.special() ? TokenType.CONTROL : TokenType.USER_DEFINED);
        }
        float[] scores = new float[pieces.size()];
        for (int i = 0; i < own; i++) {
            scores[i] = m.scores().get(i);
        }
        Vocabulary vocabulary;
        try {
            vocabulary = new Vocabulary(pieces.toArray(String[]::new), scores, types.toArray(TokenType[]::new),
                    m.unkId(), m.bosId(), m.eosId());
        } catch (BambooException e) {
            throw new BambooException(file + ": " + e.getMessage());
        }
        TextNormalizer normalizer = new TextNormalizer(
                m.addDummyPrefix() ? TextNormalizer.DummyPrefix.ALWAYS : TextNormalizer.DummyPrefix.NONE,
                m.removeExtraWhitespaces(), m.escapeWhitespaces());
        // SentencePiece joins a run of unknown pieces into one
        return new Tokenizer(vocabulary, normalizer, new MergeRule.ByScore(vocabulary), m.byteFallback(), true, false, addBos,
                m.addDummyPrefix(), m.removeExtraWhitespaces());
    }
}
