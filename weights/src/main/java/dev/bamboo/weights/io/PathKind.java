package dev.bamboo.weights.io;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** What is at a path, so that a message can say why a file Bamboo needs cannot be read there, not just that it is "missing". */
public enum PathKind {
    FILE("is a file"),
    FOLDER("is a folder"),
    MISSING("does not exist"),
    BROKEN_LINK("is a symbolic link to nothing (broken, or a loop)"),
    OTHER("is not a regular file (a pipe or a device)");

    private final String phrase;

    PathKind(String phrase) {
        this.phrase = phrase;
    }

    public static PathKind of(Path path) {
        if (Files.isRegularFile(path)) return FILE;
        if (Files.isDirectory(path)) return FOLDER;
        if (Files.exists(path)) return OTHER;
        return Files.isSymbolicLink(path) || Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? BROKEN_LINK : MISSING;
    }

    /** The kind as the end of a sentence about the path: "config.json is a folder". */
    public String phrase() {
        return phrase;
    }
}
