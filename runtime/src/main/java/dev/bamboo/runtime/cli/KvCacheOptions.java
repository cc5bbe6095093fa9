package dev.bamboo.runtime.cli;

import dev.bamboo.runtime.forward.CacheType;
import dev.bamboo.runtime.forward.KvCacheTypes;
import picocli.CommandLine.Option;

/** {@code -ctk/--cache-type-k} and {@code -ctv/--cache-type-v}, llama.cpp's options, for every command that runs a model. */
final class KvCacheOptions {
    @Option(names = {"-ctk", "--cache-type-k"}, paramLabel = "TYPE", defaultValue = "f32",
            description = "KV cache type of the keys: f32 or f16 (half the memory and the bytes attention reads; rounds each key to f16, as llama.cpp's default does) (default: ${DEFAULT-VALUE})")
    String keys;

    @Option(names = {"-ctv", "--cache-type-v"}, paramLabel = "TYPE", defaultValue = "f32",
            description = "KV cache type of the values: f32 or f16 (default: ${DEFAULT-VALUE})")
    String values;

    KvCacheTypes types() {
        return new KvCacheTypes(CacheType.parse(keys, "--cache-type-k"), CacheType.parse(values, "--cache-type-v"));
    }
}
