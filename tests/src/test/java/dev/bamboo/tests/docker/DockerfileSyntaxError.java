package dev.bamboo.tests.docker;

/** A Dockerfile (or .dockerignore) that Docker would reject or read differently from what it seems to say. */
final class DockerfileSyntaxError extends RuntimeException {
    DockerfileSyntaxError(int line, String message) {
        super("line " + line + ": " + message);
    }
}
